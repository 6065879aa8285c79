import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicenow } from '../servicenow/connector.ts';
import { testContext } from '../servicenow/test-context.testing.ts';

// An instance (or a proxy or custom domain in front of it) that answers an https request with a
// redirect to plain http on the same host and port: the SDK never sends an integration's credentials
// to another origin, and this one would get them in clear text. got alone compares only hostname and
// port. The certificate is made for this test and trusted only in its process.

const seenOverHttp: IncomingHttpHeaders[] = [];
let port = 0;
let dir = '';
const net = createNetServer();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sn-redirect-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
  const tls = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    res.writeHead(301, { location: `http://localhost:${port}${req.url ?? '/'}` }).end();
  });
  const plain = createHttpServer((req, res) => {
    seenOverHttp.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result: [] }));
  });
  // One port speaking both: TLS handshakes start with byte 0x16.
  net.on('connection', (socket) => {
    socket.once('data', (chunk) => {
      socket.pause();
      socket.unshift(chunk);
      (chunk[0] === 0x16 ? tls : plain).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });
  await new Promise<void>((resolve) => net.listen(0, '127.0.0.1', resolve));
  port = (net.address() as AddressInfo).port;
  // Trust the test certificate (Node 24: process-wide default CAs).
  setDefaultCACertificates([...getCACertificates('default'), readFileSync(join(dir, 'cert.pem'), 'utf8')]);
});

afterAll(() => {
  net.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('HTTP client: an https → http redirect on the same host', () => {
  it('never sends the integration credentials over plain http to another origin', async () => {
    const context = testContext({ url: `https://localhost:${port}` });
    try {
      await servicenow.check(context.ctx).catch(() => undefined);
    } finally {
      context.breakers.shutdown();
    }
    // The redirect was followed over plain http (the request reached the http side) ...
    expect(seenOverHttp.length).toBeGreaterThan(0);
    // ... and it must not have carried the Basic credentials of the https origin.
    expect(seenOverHttp.map((headers) => headers.authorization)).toEqual(seenOverHttp.map(() => undefined));
  });
});
