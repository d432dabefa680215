// An example receiver of spamcheck webhooks: checks the signature, acknowledges at once, and
// hands each change to onChange once, however often spamcheck delivers it (deliveries are
// at-least-once; the event id is the key to de-duplicate on).
//
//   SPAMCHECK_WEBHOOK_SECRET=whsec_... PORT=8090 node receiver.js
//
// Answer 2xx only once the change is safely handled: anything else (or no answer within 10 s)
// makes spamcheck retry, with back-off, for 24 hours.
const http = require('node:http');
const { verifySignature } = require('./verify-signature');

const MAX_BODY_BYTES = 64 * 1024;

// secret: a function returning the webhook's secret (read at each delivery, so it can be rotated).
// onChange may throw: the answer is then 503, with the error's retryAfter as Retry-After, and
// spamcheck delivers the change again later.
function createReceiver({ secret, onChange, seen = new Set() }) {
  return http.createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      // Deliveries are under 1 KiB: anything much larger is not spamcheck, so stop reading it.
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413, { Connection: 'close' }).end();
        req.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', async () => {
      const raw = Buffer.concat(chunks);
      if (req.method !== 'POST' || !verifySignature(raw, req.headers['spamcheck-signature'], secret())) {
        res.writeHead(401).end();
        return;
      }
      let change;
      try {
        change = JSON.parse(raw);
      } catch (err) {
        res.writeHead(400).end();
        return;
      }
      if (seen.has(change.id)) {
        res.writeHead(204).end();
        return;
      }
      // Taken before handling, so a duplicate arriving meanwhile is not handled twice; given back
      // if handling fails, so the retry is. A real receiver keeps the ids it handled somewhere
      // durable, for a day at least, and forgets older ones.
      seen.add(change.id);
      try {
        await onChange(change);
        res.writeHead(204).end();
      } catch (err) {
        seen.delete(change.id);
        res.writeHead(503, err.retryAfter ? { 'Retry-After': err.retryAfter } : {}).end();
      }
    });
  });
}

module.exports = { createReceiver };

if (require.main === module) {
  const secret = process.env.SPAMCHECK_WEBHOOK_SECRET;
  if (!secret) throw new Error('Set SPAMCHECK_WEBHOOK_SECRET to the secret shown when you subscribed');
  createReceiver({
    secret: () => secret,
    onChange: (change) => console.log(`${change.type}: ***${change.number_last4} now ${change.spam_score}`
      + ` (campaign ${change.campaign_id ?? '-'}, checked ${change.checked_at})`),
  }).listen(Number(process.env.PORT || 8090));
}
