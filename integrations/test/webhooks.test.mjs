// Signed webhooks end to end, from the receiver's side: the documented verification code
// (integrations/webhooks) accepts what the devstack's notifier really sends and refuses anything
// else, and the HubSpot receiver writes a real delivery to the matching contacts of a stand-in
// for HubSpot's CRM API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { admin, deliver, http, listen, lookUp, unique, waitFor } from './devstack.mjs';

const require = createRequire(import.meta.url);
const { createReceiver } = require('../webhooks/receiver.js');
const { verifySignature } = require('../webhooks/verify-signature.js');
const { createHubSpotReceiver } = require('../hubspot/webhook-receiver.js');

function sign(secret, body, t = Math.floor(Date.now() / 1000)) {
  return `t=${t},v1=${crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

async function subscribe(url, extra = {}) {
  const created = await admin('POST', '/api/v1/admin/webhooks', { url, events: ['number.flagged'], ...extra });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

test('the documented verification accepts the deliveries spamcheck sends', async (t) => {
  const changes = [];
  let secret = '';
  const server = createReceiver({ secret: () => secret, onChange: (change) => changes.push(change) });
  const url = await listen(server);
  t.after(() => server.close());
  const campaign = `node-receiver-${crypto.randomUUID()}`;
  const webhook = await subscribe(`${url}/spamcheck`, { campaign_id: campaign });
  secret = webhook.secret;
  t.after(() => admin('DELETE', `/api/v1/admin/webhooks/${webhook.id}`));

  const number = unique('8920');
  const answer = await lookUp(number, campaign);
  assert.equal(answer.body.spam_score, 1);
  await waitFor(() => changes.length === 1, 'the delivery');
  const change = changes[0];
  assert.equal(change.type, 'number.flagged');
  assert.equal(change.number_last4, '8920');
  assert.equal(change.campaign_id, campaign);
  assert.equal(change.previous_score, null);
  assert.equal(change.spam_score, 1);
  assert.equal(change.phone_number, undefined);

  const deliveries = await admin('GET', `/api/v1/admin/webhooks/${webhook.id}/deliveries`);
  assert.equal(deliveries.body.deliveries[0].status, 'delivered');
  assert.equal(deliveries.body.deliveries[0].last_status_code, 204);
});

test('the verification refuses what was not signed with the secret, or was signed long ago', async (t) => {
  const secret = 'whsec_test-secret';
  const changes = [];
  const server = createReceiver({ secret: () => secret, onChange: (change) => changes.push(change) });
  const url = await listen(server);
  t.after(() => server.close());
  const body = JSON.stringify({ id: crypto.randomUUID(), type: 'number.flagged', number_last4: '0042', spam_score: 1 });

  assert.equal(await deliver(url, body, sign('whsec_other', body)), 401);
  assert.equal(await deliver(url, body.replace('"spam_score":1', '"spam_score":0'), sign(secret, body)), 401);
  assert.equal(await deliver(url, body, sign(secret, body, Math.floor(Date.now() / 1000) - 600)), 401);
  assert.equal(await deliver(url, body, sign(secret, body).replace('t=', 't=1')), 401);
  assert.equal(await deliver(url, body, 'v1=abc'), 401);
  assert.equal(await deliver(url, body, undefined), 401);
  assert.equal(await deliver(url, 'not json', sign(secret, 'not json')), 400);
  const huge = 'x'.repeat(200 * 1024);
  const refusedHuge = await deliver(url, huge, sign(secret, huge)).catch(() => 'connection closed');
  assert.ok([413, 'connection closed'].includes(refusedHuge), String(refusedHuge));
  assert.equal(changes.length, 0);

  assert.equal(await deliver(url, body, sign(secret, body)), 204);
  assert.equal(await deliver(url, body, sign(secret, body)), 204, 'a repeated delivery is acknowledged');
  assert.equal(changes.length, 1, 'and handled once');
  assert.equal(verifySignature(Buffer.from(body), sign(secret, body), secret), true);
});

/** A stand-in for HubSpot's CRM contacts API: search by phone, batch update. */
function fakeHubSpot(token, contacts) {
  const state = { contacts, failWith: null };
  state.server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      if (req.headers.authorization !== `Bearer ${token}`) return res.writeHead(401).end();
      if (state.failWith) return res.writeHead(state.failWith, { 'Retry-After': '7' }).end();
      const body = JSON.parse(Buffer.concat(chunks));
      if (req.url === '/crm/v3/objects/contacts/search') {
        const results = state.contacts.filter((contact) => body.filterGroups.some((group) => group.filters
          .every((f) => f.operator === 'EQ' && contact.properties[f.propertyName] === f.value)));
        return res.writeHead(200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ total: results.length, results }));
      }
      if (req.url === '/crm/v3/objects/contacts/batch/update') {
        for (const input of body.inputs) {
          Object.assign(state.contacts.find((c) => c.id === input.id).properties, input.properties);
        }
        return res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"COMPLETE"}');
      }
      return res.writeHead(404).end();
    });
  });
  return state;
}

test('the HubSpot receiver writes a change to the contacts with that number', async (t) => {
  const number = unique('8921');
  const hubspot = fakeHubSpot('pat-test', [
    { id: '101', properties: { phone: number } },
    { id: '102', properties: { mobilephone: number } },
    { id: '103', properties: { phone: unique('0123') } },
  ]);
  const apiBase = await listen(hubspot.server);
  t.after(() => hubspot.server.close());
  const campaign = `hubspot-receiver-${crypto.randomUUID()}`;
  let secret = '';
  const receiver = createHubSpotReceiver({ secret: () => secret, token: 'pat-test', apiBase });
  const url = `${await listen(receiver)}/hubspot`;
  t.after(() => receiver.close());
  const webhook = await subscribe(url, { campaign_id: campaign, include_phone_number: true });
  secret = webhook.secret;
  t.after(() => admin('DELETE', `/api/v1/admin/webhooks/${webhook.id}`));

  assert.equal((await lookUp(number, campaign)).body.spam_score, 1);
  await waitFor(() => hubspot.contacts[0].properties.spamcheck_spam_score === '1', 'the contact update');
  assert.equal(hubspot.contacts[1].properties.spamcheck_spam_score, '1');
  assert.equal(hubspot.contacts[2].properties.spamcheck_spam_score, undefined);
  const checkedAt = hubspot.contacts[0].properties.spamcheck_checked_at;
  assert.ok(!Number.isNaN(Date.parse(checkedAt)), checkedAt);

  // A retried, older change arriving late does not overwrite the newer one.
  const stale = JSON.stringify({ id: crypto.randomUUID(), type: 'number.cleared', phone_number: number,
    previous_score: 1, spam_score: 0, checked_at: new Date(Date.parse(checkedAt) - 60000).toISOString() });
  assert.equal(await deliver(url, stale, sign(secret, stale)), 204);
  assert.equal(hubspot.contacts[0].properties.spamcheck_spam_score, '1');

  // HubSpot refusing for now makes spamcheck retry, as HubSpot's Retry-After says.
  hubspot.failWith = 429;
  const later = JSON.stringify({ id: crypto.randomUUID(), type: 'number.cleared', phone_number: number,
    previous_score: 1, spam_score: 0, checked_at: new Date().toISOString() });
  const refused = await fetch(url, { method: 'POST', body: later, headers: { 'Spamcheck-Signature': sign(secret, later) } });
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get('retry-after'), '7');
  assert.equal(await deliver(url, later, sign('whsec_forged', later)), 401);
});
