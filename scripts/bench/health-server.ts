/**
 * A tiny stand-in for the service, run as its own process so its work does not share the event
 * loop with the client being measured. Prints `PORT <n>` once listening on 127.0.0.1; exits on
 * SIGTERM or when its stdin closes (the bench died).
 *
 * Routes: /health → 200 {"status":"ok"}; /broken → 500 with the incident's known-bad body;
 * /unavailable → 503 (transient, no known-bad body).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const BROKEN_BODY = '{"detail":"HuggingFace token not configured"}';

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  req.resume();
  if (path === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
  } else if (path === '/broken') {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(BROKEN_BODY);
  } else if (path === '/unavailable') {
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end('{"detail":"starting"}');
  } else {
    res.writeHead(404);
    res.end();
  }
});
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`);
});
const quit = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', quit);
process.stdin.on('end', quit);
process.stdin.on('close', quit);
process.stdin.resume();
