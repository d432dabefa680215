// Runs the HubSpot custom code action with this machine's Node.js against a running devstack
// (IntegrationRecipesSystemTest sets SPAMCHECK_URL and SPAMCHECK_TOKEN), as HubSpot's
// runtime would: exports.main(event, callback), secrets in process.env.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { unique } from './devstack.mjs';

const action = createRequire(import.meta.url)('../hubspot/spam-score-action.js');

function run(inputFields) {
  return new Promise((resolve, reject) => {
    action.main({ inputFields, object: { objectType: 'CONTACT', objectId: 1 } },
      (result) => resolve(result.outputFields)).catch(reject);
  });
}

test('a clean number', async () => {
  const out = await run({ phone_number: unique('0123'), campaign_id: 'hubspot-test' });
  assert.equal(out.spam_score, 0);
  assert.equal(out.stale, false);
  assert.equal(out.error, '');
  assert.ok(!Number.isNaN(Date.parse(out.checked_at)), out.checked_at);
});

test('a flagged number', async () => {
  const out = await run({ phone_number: unique('0042') });
  assert.equal(out.spam_score, 1);
  assert.equal(out.error, '');
});

test('an invalid number is an answer, not a retry', async () => {
  const out = await run({ phone_number: '+1 555 not a number' });
  assert.equal(out.spam_score, null);
  assert.equal(out.error, 'invalid_phone_number');
});

test('Twilio failing makes the action throw, so HubSpot retries it', async () => {
  // The stub answers ...5000 with HTTP 500 every time: spamcheck answers 503.
  await assert.rejects(run({ phone_number: unique('5000') }), /spamcheck answered 503/);
});

test('a max_stale the gateway cannot read is an answer, not a retry', async () => {
  const out = await run({ phone_number: unique('0123'), max_stale: 'a week' });
  assert.equal(out.spam_score, null);
  assert.equal(out.error, 'invalid_request');
});

test('a wrong token throws nothing and tells why', async () => {
  const saved = process.env.SPAMCHECK_TOKEN;
  process.env.SPAMCHECK_TOKEN = 'sct_wrong';
  try {
    const out = await run({ phone_number: unique('0123') });
    assert.equal(out.error, 'unauthorized');
  } finally {
    process.env.SPAMCHECK_TOKEN = saved;
  }
});
