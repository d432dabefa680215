// Receives spamcheck's reputation-change webhooks and writes each change to the HubSpot contacts
// with that phone number: the contact properties spamcheck_spam_score (number: 0 or 1) and
// spamcheck_checked_at (datetime). Run it wherever you run small services (Node.js 18+, no
// dependencies):
//
//   SPAMCHECK_WEBHOOK_SECRET=whsec_...   the secret shown when the webhook was created
//   HUBSPOT_ACCESS_TOKEN=pat-...         a private app token with crm.objects.contacts.read/write
//   PORT=8091 node webhook-receiver.js
//
// Subscribe it with "include_phone_number": true: HubSpot finds contacts by the number itself.
// Contacts match when their phone or mobile phone property holds the number as E.164.
//
// Answers 204 once HubSpot has the change, 401 to a bad signature, and 503 (with HubSpot's
// Retry-After) when HubSpot failed or refused, so that spamcheck delivers again later: a token
// that lost its scope can be fixed within spamcheck's 24 hours of retries, and nothing is lost. A change older than
// what a contact already shows is skipped: retried deliveries can arrive out of order.
const { createReceiver } = require('../webhooks/receiver');

const SCORE = 'spamcheck_spam_score';
const CHECKED_AT = 'spamcheck_checked_at';

class HubSpotError extends Error {
  constructor(status, retryAfter) {
    super(`HubSpot answered ${status}`);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

async function hubspot(apiBase, token, path, body) {
  const response = await fetch(`${apiBase}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(8000),
  });
  if (!response.ok) throw new HubSpotError(response.status, response.headers.get('retry-after'));
  return response.json();
}

/** Writes the change to every contact with its number; returns how many were updated. */
async function applyChange(change, { apiBase, token }) {
  const contacts = [];
  let after;
  do {
    const page = await hubspot(apiBase, token, '/crm/v3/objects/contacts/search', {
      filterGroups: ['phone', 'mobilephone'].map((property) => ({
        filters: [{ propertyName: property, operator: 'EQ', value: change.phone_number }],
      })),
      properties: [CHECKED_AT],
      limit: 100,
      ...(after ? { after } : {}),
    });
    contacts.push(...(page.results || []));
    after = page.paging && page.paging.next && page.paging.next.after;
  } while (after);
  const newer = contacts.filter((contact) => {
    const shown = contact.properties && contact.properties[CHECKED_AT];
    return !shown || Date.parse(shown) < Date.parse(change.checked_at);
  });
  // HubSpot's batch update takes at most 100 contacts.
  for (let i = 0; i < newer.length; i += 100) {
    await hubspot(apiBase, token, '/crm/v3/objects/contacts/batch/update', {
      inputs: newer.slice(i, i + 100).map((contact) => ({
        id: contact.id,
        properties: { [SCORE]: String(change.spam_score), [CHECKED_AT]: change.checked_at },
      })),
    });
  }
  return newer.length;
}

// secret: a function returning the webhook's secret (read at each delivery, so it can be rotated).
function createHubSpotReceiver({ secret, token, apiBase = 'https://api.hubapi.com' }) {
  return createReceiver({
    secret,
    onChange: async (change) => {
      if (!change.phone_number) {
        // Retrying cannot add the number: acknowledge, and say how to fix the subscription.
        console.error(`Change ${change.id} has no phone_number: subscribe with "include_phone_number": true`);
        return;
      }
      // A HubSpotError carries HubSpot's Retry-After, which the receiver passes on with its 503.
      await applyChange(change, { apiBase, token });
    },
  });
}

module.exports = { createHubSpotReceiver, applyChange };

if (require.main === module) {
  const secret = process.env.SPAMCHECK_WEBHOOK_SECRET;
  const token = process.env.HUBSPOT_ACCESS_TOKEN;
  if (!secret || !token) throw new Error('Set SPAMCHECK_WEBHOOK_SECRET and HUBSPOT_ACCESS_TOKEN');
  createHubSpotReceiver({ secret: () => secret, token, apiBase: process.env.HUBSPOT_API_BASE || undefined })
    .listen(Number(process.env.PORT || 8091));
}
