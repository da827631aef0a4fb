// Test OpenID Provider built on the npm package oidc-provider (v9).
//
// Usage: node oidc_provider.mjs CONFIG.json
// Started and configured by tests/peers/oidc.py; prints "READY <issuer>" on stdout once it
// listens (on 127.0.0.1 only). It exits on SIGTERM/SIGINT or when its stdin is closed, so it
// never outlives the Python process that started it.
//
// Login is a small form of our own at /interaction/:uid (fields "login" and "password"): the
// login is an account id (or that account's email) and the password is config.password.
// Consent never blocks: loadExistingGrant grants the requested scopes and claims up front.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let accounts = config.accounts || {};
const password = config.password ?? 'secret';

const esc = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

const page = (title, body) => `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>${esc(title)}</h1>${body}</main></body>
</html>`;

function generatedJwks() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { keys: [{ ...jwk, kid: `gen-${randomBytes(6).toString('hex')}`, use: 'sig', alg: 'RS256' }] };
}

function findAccountByLogin(login) {
  if (Object.hasOwn(accounts, login)) return login;
  return Object.keys(accounts).find((id) => accounts[id].email === login);
}

const defaultClaims = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'locale', 'updated_at'],
  groups: ['groups'],
};

function loginForm(uid, { error, login } = {}) {
  const alert = error ? `<p role="alert" id="error">${esc(error)}</p>` : '';
  return page('Sign in', `${alert}
<form method="post" action="/interaction/${esc(uid)}" autocomplete="off">
  <p><label for="login">Login</label>
  <input id="login" name="login" type="text" value="${esc(login)}" required></p>
  <p><label for="password">Password</label>
  <input id="password" name="password" type="password" required></p>
  <p><button type="submit">Sign in</button>
  <button type="submit" name="abort" value="1" formnovalidate>Cancel</button></p>
</form>`);
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res, status, body, type = 'text/html; charset=utf-8') {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

async function grantEverything(provider, details) {
  const { prompt: { details: missing }, params, session } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  return details.grantId ? {} : { grantId };
}

async function interaction(provider, req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    send(res, 400, page('Error', '<p>Interaction mismatch.</p>'));
    return;
  }
  const { prompt } = details;
  if (prompt.name === 'consent') {
    // Not expected (loadExistingGrant pre-grants), but never block on consent.
    const consent = await grantEverything(provider, details);
    await provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
    return;
  }
  if (prompt.name !== 'login') {
    send(res, 400, page('Error', `<p>Unsupported prompt ${esc(prompt.name)}.</p>`));
    return;
  }
  if (req.method === 'GET') {
    send(res, 200, loginForm(uid));
    return;
  }
  if (req.method !== 'POST') {
    send(res, 405, page('Error', '<p>Method not allowed.</p>'));
    return;
  }
  const form = new URLSearchParams(await readBody(req));
  if (form.get('abort')) {
    await provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
    return;
  }
  const login = form.get('login') || '';
  const accountId = findAccountByLogin(login);
  if (!accountId || form.get('password') !== password) {
    send(res, 401, loginForm(uid, { error: 'Invalid login or password.', login }));
    return;
  }
  await provider.interactionFinished(req, res, {
    login: { accountId, amr: ['pwd'], remember: true },
  }, { mergeWithLastSubmission: false });
}

let provider;
let handler;

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  try {
    const match = url.pathname.match(/^\/interaction\/([^/]+)\/?$/);
    if (match) {
      await interaction(provider, req, res, match[1]);
      return;
    }
    if (url.pathname === '/__control/accounts') {
      if (req.method !== 'PUT' || req.headers['x-control-token'] !== config.controlToken) {
        send(res, 403, 'forbidden', 'text/plain');
        return;
      }
      accounts = JSON.parse(await readBody(req));
      send(res, 204, '');
      return;
    }
    handler(req, res);
  } catch (err) {
    console.error(`interaction error: ${err?.stack || err}`);
    if (!res.headersSent) {
      const message = err?.name === 'SessionNotFound' ? 'Session expired, start again.' : 'Server error.';
      send(res, err?.statusCode || 500, page('Error', `<p>${esc(message)}</p>`));
    } else {
      res.end();
    }
  }
});

server.listen(config.port || 0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const claims = config.claims || defaultClaims;

  provider = new Provider(issuer, {
    clients: config.clients,
    jwks: config.jwks || generatedJwks(),
    claims,
    conformIdTokenClaims: config.conformIdTokenClaims !== false,
    cookies: { keys: config.cookieKeys || [randomBytes(16).toString('hex')] },
    pkce: { required: () => true },
    ...(config.ttl ? { ttl: config.ttl } : {}),
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      userinfo: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource(ctx, form) {
          ctx.body = page('Sign out', `${form}
<p>Do you want to sign out from ${esc(ctx.host)}?</p>
<p><button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button></p>`);
        },
        postLogoutSuccessSource(ctx) {
          ctx.body = page('Signed out', '<p>You are signed out.</p>');
        },
      },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      if (!Object.hasOwn(accounts, sub)) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { ...(accounts[sub] || {}), sub: accounts[sub]?.sub || sub };
        },
      };
    },
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
      let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
      if (!grant) {
        grant = new oidc.provider.Grant({
          accountId: oidc.account?.accountId || oidc.session.accountId,
          clientId: oidc.client.clientId,
        });
      }
      grant.addOIDCScope(['openid', 'email', 'profile', ...oidc.requestParamOIDCScopes].join(' '));
      const requested = [...oidc.requestParamClaims];
      if (requested.length) grant.addOIDCClaims(requested);
      await grant.save();
      return grant;
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      const rows = Object.entries(out).map(([k, v]) => `<p><strong>${esc(k)}</strong>: ${esc(v)}</p>`);
      ctx.body = page('Error', rows.join(''));
    },
  });

  for (const event of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error',
    'end_session.error', 'introspection.error', 'revocation.error']) {
    provider.on(event, (_ctx, err) => {
      console.error(`${event}: ${err?.name}: ${err?.message} ${err?.error_description || ''}`);
    });
  }
  handler = provider.callback();
  console.log(`READY ${issuer}`);
});

server.on('error', (err) => {
  console.error(`listen error: ${err.message}`);
  process.exit(1);
});

const shutdown = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
