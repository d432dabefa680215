// Verifies a spamcheck webhook delivery: the Spamcheck-Signature header is
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, `${t}.${rawBody}`)>". Verify the raw body bytes
// as received, before parsing them, and refuse old timestamps so a captured delivery cannot be
// replayed later. Node.js 18+, no dependencies.
const crypto = require('node:crypto');

function verifySignature(rawBody, header, secret, { toleranceSeconds = 300, now = Date.now() } = {}) {
  const parts = Object.fromEntries(String(header || '').split(',').map((p) => p.trim().split('=', 2)));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(parts.v1 || '')) return false;
  if (Math.abs(now / 1000 - t) > toleranceSeconds) return false;
  const expected = crypto.createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  return crypto.timingSafeEqual(expected, Buffer.from(parts.v1, 'hex'));
}

module.exports = { verifySignature };
