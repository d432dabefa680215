// What the recipe tests share: the devstack IntegrationRecipesSystemTest runs them against
// (SPAMCHECK_URL, a lookup token SPAMCHECK_TOKEN and an admin token SPAMCHECK_ADMIN_TOKEN) and
// numbers it has not seen yet.
import http from 'node:http';
import { appendFileSync } from 'node:fs';

// The system test checks that every request made of the devstack left exactly one audit row, so
// it is told the id of each answer (the X-Request-Id header) this suite receives.
const requestIds = process.env.SPAMCHECK_REQUEST_IDS_FILE;
if (requestIds) {
  const send = globalThis.fetch;
  globalThis.fetch = async (...args) => {
    const response = await send(...args);
    const id = response.headers.get('x-request-id');
    if (id) appendFileSync(requestIds, `${id}\n`);
    return response;
  };
}

export const BASE_URL = process.env.SPAMCHECK_URL;

const AREA_CODES = ['202', '212', '303', '312', '415', '512', '617', '718'];

/**
 * A valid US number this run has not asked for yet (the cache would answer it), ending in the
 * stub's magic four digits: a real area code and an exchange from 220 to 299, never an N11 code.
 */
export function unique(lastFour) {
  const area = AREA_CODES[Math.floor(Math.random() * AREA_CODES.length)];
  const exchange = 220 + Math.floor(Math.random() * 80);
  return `+1${area}${exchange}${lastFour}`;
}

export async function lookUp(phoneNumber, campaignId) {
  const response = await fetch(`${BASE_URL}/api/v1/spam_score`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${process.env.SPAMCHECK_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(campaignId ? { phone_number: phoneNumber, campaign_id: campaignId } : { phone_number: phoneNumber }),
  });
  return { status: response.status, body: await response.json() };
}

export async function admin(method, path, body) {
  const response = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { Authorization: `Bearer ${process.env.SPAMCHECK_ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: response.status === 204 ? null : await response.json() };
}

/** Starts the server on a free loopback port; resolves to its base URL. */
export function listen(server) {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}

export async function waitFor(condition, what, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

/** POSTs the body to url as spamcheck would, with the given signature header. */
export async function deliver(url, body, signature) {
  const response = await fetch(url, {
    method: 'POST',
    headers: signature ? { 'Content-Type': 'application/json', 'Spamcheck-Signature': signature }
      : { 'Content-Type': 'application/json' },
    body,
  });
  return response.status;
}

export { http };
