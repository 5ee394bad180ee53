// Error-tracker receivers for the integration tests, on ephemeral loopback ports:
//  - sentry-testkit's local Sentry server (envelope endpoint), behind a small
//    front that can misbehave on request: MODE=slow (delay), 429 (Retry-After)
//    or 500-once (first request fails);
//  - a Honeybadger-compatible POST /v1/notices that records what it receives.
// Prints one JSON line: {"sentry_dsn": ..., "control": port}. GET /reports on
// the control port returns {"sentry": [...], "honeybadger": [...], "hits": n}.
const http = require('http');
const sentryTestkit = require('sentry-testkit');

const mode = process.env.MODE || 'normal';
const delayMs = Number(process.env.DELAY_MS || 3000);
const { testkit, localServer } = sentryTestkit();
const honeybadger = [];
let hits = 0;
let failedOnce = false;

function read(req) {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => resolve(body));
  });
}

async function main() {
  await localServer.start('http://key@localhost/7');
  const inner = new URL(localServer.getDsn());

  const front = http.createServer(async (req, res) => {
    const body = await read(req);
    hits += 1;
    if (mode === 'slow') await new Promise((r) => setTimeout(r, delayMs));
    if (mode === '429' && hits === 1) {
      res.writeHead(429, { 'Retry-After': '2' });
      return res.end();
    }
    if (mode === '500-once' && !failedOnce) {
      failedOnce = true;
      res.writeHead(503);
      return res.end();
    }
    if (req.url.startsWith('/v1/notices')) {
      honeybadger.push({ headers: req.headers, body: JSON.parse(body), received_at: Date.now() });
      res.writeHead(201, { 'Content-Type': 'application/json' });
      return res.end('{"id":"x"}');
    }
    // Everything else goes on to sentry-testkit's real envelope endpoint.
    const fwd = http.request(
      { host: '127.0.0.1', port: inner.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      });
    fwd.on('error', () => { res.writeHead(502); res.end(); });
    fwd.end(body);
  });
  await new Promise((r) => front.listen(0, '127.0.0.1', r));

  const control = http.createServer((req, res) => {
    const reports = testkit.reports().map((r) => ({ ...r.originalReport, received: true }));
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ sentry: reports, honeybadger, hits }));
  });
  await new Promise((r) => control.listen(0, '127.0.0.1', r));

  const dsn = `http://testkey@127.0.0.1:${front.address().port}/7`;
  process.stdout.write(JSON.stringify({ sentry_dsn: dsn, endpoint: `http://127.0.0.1:${front.address().port}`,
                                        control: control.address().port }) + '\n');
}

main();
process.on('SIGTERM', () => process.exit(0));
