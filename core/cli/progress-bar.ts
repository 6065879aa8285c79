/** A one-line progress bar on a terminal; on a pipe (CI, logs) one line at most every second. */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr, label = 'rows'): (done: number, total: number) => void {
  const started = Date.now();
  let lastLine = 0;
  return (done, total) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? Math.round(done / seconds) : 0;
    const share = total > 0 ? Math.min(1, done / total) : 1;
    const width = 30;
    const filled = Math.round(share * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en')}/${total.toLocaleString('en')} ${label} · ${rate.toLocaleString('en')} ${label}/s`;
    if (stream.isTTY) {
      stream.write(`\r${line}`);
      if (done >= total) stream.write('\n');
    } else if (Date.now() - lastLine >= 1000 || done >= total) {
      lastLine = Date.now();
      stream.write(`${line}\n`);
    }
  };
}
