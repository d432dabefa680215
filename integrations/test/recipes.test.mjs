// The recipes that are settings rather than code: HubSpot's "Send a webhook" action and the Make
// scenario blueprint. Each test builds the request those settings make, as HubSpot or Make would,
// and sends it to the devstack; neither product can be reached from here to import them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BASE_URL, unique } from './devstack.mjs';

const webhookAction = JSON.parse(readFileSync(new URL('../hubspot/send-a-webhook.json', import.meta.url)));
const blueprint = JSON.parse(readFileSync(new URL('../make/spam-score.blueprint.json', import.meta.url)));

/** The request HubSpot's "Send a webhook" action sends for a contact with these properties. */
function hubspotWebhook(contact) {
  const { authentication: auth, requestBody } = webhookAction;
  assert.equal(auth.apiKeyLocation, 'Request header');
  const body = Object.fromEntries(requestBody.properties.map((p) => [p.key, contact[p.contactProperty]]));
  return fetch(webhookAction.webhookUrl.replace('https://spamcheck.example.com', BASE_URL), {
    method: webhookAction.method,
    headers: { [auth.apiKeyName]: `Bearer ${process.env.SPAMCHECK_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

test('HubSpot "Send a webhook": the response data it maps, for a clean and a flagged contact', async () => {
  for (const [lastFour, score] of [['0123', 0], ['0042', 1]]) {
    const response = await hubspotWebhook({ phone: unique(lastFour), firstname: 'Ada' });
    assert.equal(response.status, 200);
    const data = await response.json();
    for (const output of webhookAction.responseData) {
      assert.equal(typeof data[output.path], output.type === 'Number' ? 'number' : 'string', output.name);
    }
    assert.equal(data.spam_score, score);
  }
});

test('HubSpot "Send a webhook": statuses HubSpot retries only where a retry can help', async () => {
  // HubSpot retries a webhook action on 429 and 5xx, and not on other 4xx.
  assert.equal((await hubspotWebhook({ phone: '(202) 555-0123' })).status, 400);
  assert.equal((await hubspotWebhook({ phone: unique('5000') })).status, 503);
});

function render(template, values) {
  return template.replace(/\{\{([0-9a-z_.]+)\}\}/g, (_, name) => {
    assert.ok(name in values, `the blueprint maps ${name}`);
    return values[name];
  });
}

test('the Make blueprint: its HTTP module asks spamcheck and its response module answers', async () => {
  const [trigger, request, respond] = blueprint.flow;
  assert.equal(trigger.module, 'gateway:CustomWebHook');
  assert.equal(request.module, 'http:ActionSendData');
  assert.equal(respond.module, 'gateway:WebhookRespond');
  assert.equal(request.onerror[0].module, 'builtin:Break', 'a 429 or 503 is retried later');
  const m = request.mapper;
  assert.equal(m.method, 'post');
  assert.equal(m.contentType, 'application/json');
  assert.equal(m.parseResponse, true);

  const response = await fetch(m.url.replace('https://spamcheck.example.com', BASE_URL), {
    method: m.method.toUpperCase(),
    headers: {
      ...Object.fromEntries(m.headers.map((h) => [h.name, h.value.replace('YOUR_SPAMCHECK_TOKEN', process.env.SPAMCHECK_TOKEN)])),
      'Content-Type': m.contentType,
    },
    body: render(m.data, { '1.phone_number': unique('0042') }),
  });
  assert.equal(response.status, 200);
  const data = await response.json();
  const answer = JSON.parse(render(respond.mapper.body,
    { '2.data.spam_score': data.spam_score, '2.data.checked_at': data.checked_at }));
  assert.deepEqual(answer, { spam_score: 1, checked_at: data.checked_at });
});
