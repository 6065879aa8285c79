// A browser sends every line break of a field as CR LF, and reads CR LF or a lone CR in the page
// as LF, so a stored "\r\n", "\r" or "\n" cannot be told apart once shown. A field counts as left
// as shown when the texts agree but for that; the form then keeps the stored value itself.

const LINE_BREAK = /[\r\n]/;

/** Whether a text needs a textarea: a one-line input drops its line breaks when the form is sent. */
export function hasLineBreak(text: string): boolean {
  return LINE_BREAK.test(text);
}

function lf(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** Whether a submitted field holds the text it was shown with. */
export function sameText(submitted: string | undefined, shown: string): boolean {
  return submitted !== undefined && lf(submitted) === lf(shown);
}
