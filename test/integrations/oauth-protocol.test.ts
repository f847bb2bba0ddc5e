// Protocol tests of the simulated authorization servers and the emulator's OAuth client, over
// real HTTP on loopback: every misuse is rejected with the OAuth error the RFCs name.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startFakeHub, get, postForm, location, GITHUB_APP, type FakeHub } from './fake-hub';

const CLIENT_ID = 'Iv1.local-test';
const CLIENT_SECRET = 'gh-client-secret-value';

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Runs authorize + consent (allow) by hand and returns the code the provider issued. */
async function authorizeByHand(hub: FakeHub, opts: { challenge: string; scope?: string; redirectUri?: string; provider?: string; clientId?: string }): Promise<{ code: string; state: string }> {
  const state = randomBytes(8).toString('hex');
  const u = new URL(`${hub.url}/oauth/${opts.provider ?? 'github'}/authorize`);
  u.search = new URLSearchParams({
    response_type: 'code',
    client_id: opts.clientId ?? CLIENT_ID,
    redirect_uri: opts.redirectUri ?? `${hub.url}/integrations/callback`,
    scope: opts.scope ?? 'repo gist',
    state,
    code_challenge: opts.challenge,
    code_challenge_method: 'S256',
  }).toString();
  const r1 = await get(u.toString());
  assert.equal(r1.status, 302, `authorize should redirect to the consent screen, got ${r1.status}: ${await r1.text()}`);
  const consentUrl = location(r1, hub.url);
  const consentId = consentUrl.pathname.split('/').pop()!;
  const r2 = await postForm(`${hub.url}/oauth/${opts.provider ?? 'github'}/consent`, { consent_id: consentId, account: 'user_ada', granted: (opts.scope ?? 'repo gist').split(/[ ,]/), decision: 'allow' });
  assert.equal(r2.status, 302);
  const back = location(r2, hub.url);
  assert.equal(back.searchParams.get('state'), state);
  const code = back.searchParams.get('code');
  assert.ok(code, `expected a code, got ${back}`);
  return { code, state };
}

function exchange(hub: FakeHub, body: Record<string, string>, provider = 'github'): Promise<Response> {
  return postForm(`${hub.url}/oauth/${provider}/token`, { grant_type: 'authorization_code', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uri: `${hub.url}/integrations/callback`, ...body });
}

async function oauthError(r: Response): Promise<string> {
  const body = (await r.json()) as { error?: string };
  return body.error ?? `(no error field, status ${r.status})`;
}

describe('simulated authorization server', () => {
  let hub: FakeHub;
  before(async () => {
    hub = await startFakeHub();
  });
  after(() => hub.close());

  test('authorization code with PKCE S256 yields tokens with expiry, refresh token and the granted scopes', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await authorizeByHand(hub, { challenge });
    const r = await exchange(hub, { code, code_verifier: verifier });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const t = (await r.json()) as Record<string, unknown>;
    assert.match(String(t.access_token), /^gho_/);
    assert.equal(t.token_type, 'Bearer');
    assert.equal(t.expires_in, 28800, 'GitHub lifetime from the catalog');
    assert.equal(t.scope, 'repo gist');
    assert.ok(t.refresh_token);
    const me = await fetch(`${hub.url}/oauth/github/userinfo`, { headers: { authorization: `Bearer ${t.access_token}` } });
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { email: string }).email, 'ada@example.com');
  });

  test('PKCE mismatch is invalid_grant and burns the code', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await authorizeByHand(hub, { challenge });
    const wrong = await exchange(hub, { code, code_verifier: pkce().verifier });
    assert.equal(wrong.status, 400);
    assert.equal(await oauthError(wrong), 'invalid_grant');
    const retry = await exchange(hub, { code, code_verifier: verifier });
    assert.equal(await oauthError(retry), 'invalid_grant', 'a failed redemption consumes the code');
  });

  test('a missing code_verifier or a missing code_challenge is rejected', async () => {
    const { challenge } = pkce();
    const { code } = await authorizeByHand(hub, { challenge });
    const r = await exchange(hub, { code });
    assert.equal(await oauthError(r), 'invalid_grant');
    const state = 'st1';
    const noPkce = await get(`${hub.url}/oauth/github/authorize?response_type=code&client_id=${CLIENT_ID}&redirect_uri=${encodeURIComponent(`${hub.url}/integrations/callback`)}&state=${state}&scope=repo`);
    const back = location(noPkce, hub.url);
    assert.equal(back.searchParams.get('error'), 'invalid_request');
    assert.equal(back.searchParams.get('state'), state);
    const plain = await get(`${hub.url}/oauth/github/authorize?response_type=code&client_id=${CLIENT_ID}&state=${state}&code_challenge=abc&code_challenge_method=plain`);
    assert.equal(location(plain, hub.url).searchParams.get('error'), 'invalid_request', 'plain PKCE is refused');
  });

  test('a reused authorization code is invalid_grant', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await authorizeByHand(hub, { challenge });
    assert.equal((await exchange(hub, { code, code_verifier: verifier })).status, 200);
    const again = await exchange(hub, { code, code_verifier: verifier });
    assert.equal(again.status, 400);
    assert.equal(await oauthError(again), 'invalid_grant');
  });

  test('a redirect URI that is not registered is shown as an error, never redirected to', async () => {
    const { challenge } = pkce();
    const r = await get(`${hub.url}/oauth/github/authorize?response_type=code&client_id=${CLIENT_ID}&redirect_uri=${encodeURIComponent('http://127.0.0.1:1/steal')}&state=x&code_challenge=${challenge}&code_challenge_method=S256`);
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('location'), null);
    assert.match(await r.text(), /redirect_uri_mismatch/);
  });

  test('a token request with a different redirect URI is invalid_grant', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await authorizeByHand(hub, { challenge });
    const r = await exchange(hub, { code, code_verifier: verifier, redirect_uri: `${hub.url}/elsewhere` });
    assert.equal(r.status, 400);
    assert.equal(await oauthError(r), 'invalid_grant');
  });

  test('client authentication: missing or wrong secret is invalid_client', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await authorizeByHand(hub, { challenge });
    const none = await postForm(`${hub.url}/oauth/github/token`, { grant_type: 'authorization_code', client_id: CLIENT_ID, code, code_verifier: verifier, redirect_uri: `${hub.url}/integrations/callback` });
    assert.equal(none.status, 401);
    assert.equal(await oauthError(none), 'invalid_client');
    const wrong = await exchange(hub, { code, code_verifier: verifier, client_secret: 'not-the-secret' });
    assert.equal(await oauthError(wrong), 'invalid_client');
    const unknownClient = await get(`${hub.url}/oauth/github/authorize?response_type=code&client_id=nobody&state=x`);
    assert.equal(unknownClient.status, 401);
    assert.match(await unknownClient.text(), /invalid_client/);
  });

  test('unknown scopes: invalid_scope page with a way back that carries the error to the client', async () => {
    const { challenge } = pkce();
    const r = await get(`${hub.url}/oauth/github/authorize?response_type=code&client_id=${CLIENT_ID}&state=s9&scope=repo%20launch_missiles&code_challenge=${challenge}&code_challenge_method=S256`);
    assert.equal(r.status, 400);
    const html = await r.text();
    assert.match(html, /invalid_scope/);
    assert.match(html, /launch_missiles/);
    const back = new URL(html.match(/href="([^"]+)"/)![1]!.replace(/&amp;/g, '&'));
    assert.equal(back.searchParams.get('error'), 'invalid_scope');
    assert.equal(back.searchParams.get('state'), 's9');
  });

  test('deny redirects with access_denied and the state', async () => {
    const { challenge } = pkce();
    const r1 = await get(`${hub.url}/oauth/github/authorize?response_type=code&client_id=${CLIENT_ID}&state=s2&scope=repo&code_challenge=${challenge}&code_challenge_method=S256`);
    const consentId = location(r1, hub.url).pathname.split('/').pop()!;
    const r2 = await postForm(`${hub.url}/oauth/github/consent`, { consent_id: consentId, decision: 'deny' });
    const back = location(r2, hub.url);
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('state'), 's2');
    assert.equal(back.searchParams.get('code'), null);
  });

  test('refresh rotates the refresh token; the old one is then invalid_grant', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await authorizeByHand(hub, { challenge });
    const t = (await (await exchange(hub, { code, code_verifier: verifier })).json()) as { refresh_token: string };
    const refresh = (rt: string) => postForm(`${hub.url}/oauth/github/token`, { grant_type: 'refresh_token', refresh_token: rt, client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    const r1 = await refresh(t.refresh_token);
    assert.equal(r1.status, 200);
    const t2 = (await r1.json()) as { refresh_token: string; access_token: string };
    assert.notEqual(t2.refresh_token, t.refresh_token);
    assert.equal(await oauthError(await refresh(t.refresh_token)), 'invalid_grant');
    const wider = await postForm(`${hub.url}/oauth/github/token`, { grant_type: 'refresh_token', refresh_token: t2.refresh_token, scope: 'repo delete_repo', client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    assert.equal(await oauthError(wider), 'invalid_scope', 'a refresh cannot widen the grant');
  });

  test('expired refresh token (virtual clock) is invalid_grant', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await authorizeByHand(hub, { challenge });
    const t = (await (await exchange(hub, { code, code_verifier: verifier })).json()) as { refresh_token: string; access_token: string };
    hub.clock.advance(91 * 24 * 3600 * 1000);
    const me = await fetch(`${hub.url}/oauth/github/userinfo`, { headers: { authorization: `Bearer ${t.access_token}` } });
    assert.equal(me.status, 401, 'the access token expired on the virtual clock');
    assert.match(me.headers.get('www-authenticate') ?? '', /invalid_token/);
    const r = await postForm(`${hub.url}/oauth/github/token`, { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    assert.equal(r.status, 400);
    assert.equal(await oauthError(r), 'invalid_grant');
  });

  test('RFC 7009 revocation: 200, then the token and its grant are dead', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await authorizeByHand(hub, { challenge });
    const t = (await (await exchange(hub, { code, code_verifier: verifier })).json()) as { refresh_token: string; access_token: string };
    const unauth = await postForm(`${hub.url}/oauth/github/revoke`, { token: t.refresh_token });
    assert.equal(unauth.status, 401);
    assert.equal(await oauthError(unauth), 'invalid_client');
    const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
    const r = await postForm(`${hub.url}/oauth/github/revoke`, { token: t.refresh_token, token_type_hint: 'refresh_token' }, { authorization: basic });
    assert.equal(r.status, 200);
    const unknown = await postForm(`${hub.url}/oauth/github/revoke`, { token: 'never-issued' }, { authorization: basic });
    assert.equal(unknown.status, 200, 'unknown tokens are not an error (RFC 7009 2.2)');
    const me = await fetch(`${hub.url}/oauth/github/userinfo`, { headers: { authorization: `Bearer ${t.access_token}` } });
    assert.equal(me.status, 401, 'revoking the refresh token revokes the grant');
    const rr = await postForm(`${hub.url}/oauth/github/token`, { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    assert.equal(await oauthError(rr), 'invalid_grant');
  });

  test('RFC 8414 metadata describes the endpoints', async () => {
    const r = await fetch(`${hub.url}/oauth/github/.well-known/oauth-authorization-server`);
    const m = (await r.json()) as Record<string, unknown>;
    assert.equal(m.token_endpoint, `${hub.url}/oauth/github/token`);
    assert.deepEqual(m.code_challenge_methods_supported, ['S256']);
  });
});

describe("the emulator's OAuth client", () => {
  let hub: FakeHub;
  before(async () => {
    hub = await startFakeHub();
  });
  after(() => hub.close());

  test('full flow: consent with fewer scopes answers the prompt with what was granted', async () => {
    const prompt = hub.openPrompt({ type: 'github' });
    const start = await get(`${hub.url}/connect/${prompt.id}`);
    assert.equal(start.status, 302);
    const authorize = location(start, hub.url);
    assert.equal(authorize.pathname, '/oauth/github/authorize');
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorize.searchParams.get('scope'), 'repo read:user gist');
    assert.ok(authorize.searchParams.get('state'));
    const consent = location(await get(authorize.toString()), hub.url);
    const page = await (await get(consent.toString())).text();
    for (const s of ['Full control of private repositories', 'Read ALL user profile data', 'Create gists']) assert.ok(page.includes(s), `consent screen explains ${s}`);
    const decided = await postForm(`${hub.url}/oauth/github/consent`, { consent_id: consent.pathname.split('/').pop()!, account: 'user_ada', granted: ['repo', 'gist'], decision: 'allow' });
    const callback = location(decided, hub.url);
    assert.equal(callback.pathname, '/integrations/callback');
    const done = await get(callback.toString());
    assert.equal(done.status, 200);
    const html = await done.text();
    assert.match(html, /GitHub connected/);
    assert.equal(hub.answers.length, 1);
    const a = hub.answers[0]!.answer;
    assert.ok(a.allow);
    if (!a.allow) return;
    assert.deepEqual(a.credential.scopes, ['repo', 'gist']);
    assert.equal(a.credential.account, 'ada@example.com');
    assert.ok(a.credential.refreshToken);
    const nowS = hub.clock.now() / 1000;
    assert.ok(Math.abs(a.credential.expiresAt - (nowS + 28800)) < 5, 'expires_at on the virtual clock');
    assert.ok(!html.includes(a.credential.accessToken), 'the token never reaches the page');
    assert.ok(!JSON.stringify(hub.read().events).includes(a.credential.accessToken), 'nor the event log');
    assert.ok(!JSON.stringify(hub.read().events).includes(CLIENT_SECRET), 'nor the client secret');
  });

  test('a callback with an unknown state is refused and nothing is exchanged', async () => {
    const prompt = hub.openPrompt({ type: 'github', userId: 'user_x' });
    const authorize = location(await get(`${hub.url}/connect/${prompt.id}`), hub.url);
    const consent = location(await get(authorize.toString()), hub.url);
    const decided = await postForm(`${hub.url}/oauth/github/consent`, { consent_id: consent.pathname.split('/').pop()!, account: 'user_ada', granted: ['repo'], decision: 'allow' });
    const callback = location(decided, hub.url);
    callback.searchParams.set('state', 'forged-state');
    const r = await get(callback.toString());
    assert.equal(r.status, 400);
    assert.match(await r.text(), /invalid_state/);
    assert.equal(hub.read().integrations.user_x, undefined);
    assert.ok(hub.prompts.get(prompt.id), 'the prompt still waits');
  });

  test('deny at the provider answers the prompt with allow=false', async () => {
    const prompt = hub.openPrompt({ type: 'github', userId: 'user_deny' });
    const authorize = location(await get(`${hub.url}/connect/${prompt.id}`), hub.url);
    const consent = location(await get(authorize.toString()), hub.url);
    const decided = await postForm(`${hub.url}/oauth/github/consent`, { consent_id: consent.pathname.split('/').pop()!, decision: 'deny' });
    const r = await get(location(decided, hub.url).toString());
    assert.match(await r.text(), /You denied access/);
    const a = hub.answers.find((x) => x.id === prompt.id);
    assert.deepEqual(a?.answer, { allow: false });
  });

  test('granting nothing is refused with a message on the consent screen', async () => {
    const prompt = hub.openPrompt({ type: 'github', userId: 'user_none' });
    const authorize = location(await get(`${hub.url}/connect/${prompt.id}`), hub.url);
    const consent = location(await get(authorize.toString()), hub.url);
    const r = await postForm(`${hub.url}/oauth/github/consent`, { consent_id: consent.pathname.split('/').pop()!, account: 'user_ada', decision: 'allow' });
    assert.equal(r.status, 400);
    assert.match(await r.text(), /Select at least one permission/);
  });

  test('refresh on expiry, fail-next-refresh drops the connection, revoke kills the tokens', async () => {
    const prompt = hub.openPrompt({ type: 'github', userId: 'user_r' });
    const out = await hub.service.approve(prompt.id, { account: 'user_ada' });
    assert.ok(out.ok);
    const first = hub.read().integrations.user_r!.github!;
    await hub.service.refreshUser('user_r');
    assert.equal(hub.read().integrations.user_r!.github!.accessToken, first.accessToken, 'a fresh token is left alone');
    await hub.service.expire('user_r', 'github');
    const dead = await fetch(`${hub.url}/oauth/github/userinfo`, { headers: { authorization: `Bearer ${first.accessToken}` } });
    assert.equal(dead.status, 401, 'expired at the provider too');
    await hub.service.refreshUser('user_r');
    const second = hub.read().integrations.user_r!.github!;
    assert.notEqual(second.accessToken, first.accessToken);
    assert.notEqual(second.refreshToken, first.refreshToken);
    assert.ok(second.expiresAt > hub.clock.now() / 1000);
    assert.deepEqual(second.scopes, GITHUB_APP.scopes);

    // Two concurrent refreshes share one token request (rotation would kill the second).
    await hub.service.expire('user_r', 'github');
    const [a, b] = await Promise.all([hub.service.refresh('user_r', 'github'), hub.service.refresh('user_r', 'github')]);
    assert.equal(a.outcome, 'refreshed');
    assert.equal(b.outcome, 'refreshed');

    hub.service.setFailNextRefresh('user_r', 'github', true);
    const failed = await hub.service.refresh('user_r', 'github');
    assert.equal(failed.outcome, 'dropped');
    assert.equal(failed.error, 'invalid_grant');
    assert.equal(hub.read().integrations.user_r?.github, undefined, 'the user must reconnect');

    const p2 = hub.openPrompt({ type: 'github', userId: 'user_r' });
    await hub.service.approve(p2.id, {});
    const third = hub.read().integrations.user_r!.github!;
    const revoked = await hub.service.revoke('user_r', 'github');
    assert.equal(revoked.providerRevoked, true);
    assert.equal(hub.read().integrations.user_r?.github, undefined);
    const me = await fetch(`${hub.url}/oauth/github/userinfo`, { headers: { authorization: `Bearer ${third.accessToken}` } });
    assert.equal(me.status, 401);
    const rr = await postForm(`${hub.url}/oauth/github/token`, { grant_type: 'refresh_token', refresh_token: third.refreshToken!, client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    assert.equal(await oauthError(rr), 'invalid_grant');
  });

  test('after an emulator restart the simulated provider still refreshes the stored connection', async () => {
    const prompt = hub.openPrompt({ type: 'github', userId: 'user_restart' });
    await hub.service.approve(prompt.id, {});
    const before = hub.read().integrations.user_restart!.github!;
    // A second emulator on the same store: its providers start with empty token tables.
    const restarted = await startFakeHub(undefined, undefined, hub.read());
    try {
      await restarted.service.expire('user_restart', 'github');
      const r = await restarted.service.refresh('user_restart', 'github');
      assert.equal(r.outcome, 'refreshed', JSON.stringify(r));
      const after = restarted.read().integrations.user_restart!.github!;
      assert.notEqual(after.accessToken, before.accessToken);
      const me = await fetch(`${restarted.url}/oauth/github/userinfo`, { headers: { authorization: `Bearer ${after.accessToken}` } });
      assert.equal(me.status, 200);
      const stale = await postForm(`${restarted.url}/oauth/github/token`, { grant_type: 'refresh_token', refresh_token: before.refreshToken!, client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
      assert.equal(await oauthError(stale), 'invalid_grant', 'the adopted refresh token rotated');
    } finally {
      await restarted.close();
    }
  });

  test('expired refresh token at the client: the refresh fails with invalid_grant and the connection is dropped', async () => {
    const prompt = hub.openPrompt({ type: 'github', userId: 'user_old' });
    await hub.service.approve(prompt.id, {});
    hub.clock.advance(91 * 24 * 3600 * 1000);
    await hub.service.refreshUser('user_old');
    assert.equal(hub.read().integrations.user_old?.github, undefined);
    assert.ok(hub.read().events.some((e) => /refresh for user_old failed: invalid_grant/.test(e.summary)));
  });
});

describe('provider scope syntax, missing client secrets, custom providers, real-provider mode', () => {
  let hub: FakeHub;
  before(async () => {
    hub = await startFakeHub(
      [
        { type: 'linear', mode: 'oauth', scopes: ['read', 'issues:create'], fields: [], client_id_secret: 'LINEAR_ID', client_secret_secret: 'LINEAR_SECRET' },
        { type: 'gmail', mode: 'oauth', scopes: ['https://www.googleapis.com/auth/gmail.readonly'], fields: [], client_id_secret: 'GOOGLE_ID', client_secret_secret: 'GOOGLE_SECRET' },
        { type: 'notion', mode: 'oauth', scopes: ['read_content'], fields: [], client_id_secret: 'notion-client', client_secret_secret: 'notion-raw-secret' },
        { type: 'aws', mode: 'secret', scopes: [], fields: ['access_key_id', 'secret_access_key', 'region'] },
        { type: 'tailscale', mode: 'secret', scopes: [], fields: ['auth_key'] },
      ],
      { LINEAR_ID: 'lin-client', LINEAR_SECRET: 'lin-secret', GOOGLE_ID: 'g-client.apps.googleusercontent.com' },
    );
  });
  after(() => hub.close());

  test("Linear's comma separator: requested and answered with commas", async () => {
    const prompt = hub.openPrompt({ type: 'linear' });
    const authorize = location(await get(`${hub.url}/connect/${prompt.id}`), hub.url);
    assert.equal(authorize.searchParams.get('scope'), 'read,issues:create');
    const { verifier, challenge } = pkce();
    const state = 'lin1';
    const u = new URL(authorize);
    u.searchParams.set('code_challenge', challenge);
    u.searchParams.set('state', state);
    const consent = location(await get(u.toString()), hub.url);
    const page = await (await get(consent.toString())).text();
    assert.match(page, /provider-linear/);
    const decided = await postForm(`${hub.url}/oauth/linear/consent`, { consent_id: consent.pathname.split('/').pop()!, account: 'user_dev', granted: ['read', 'issues:create'], decision: 'allow' });
    const code = location(decided, hub.url).searchParams.get('code')!;
    const r = await postForm(`${hub.url}/oauth/linear/token`, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: `${hub.url}/integrations/callback`, client_id: 'lin-client', client_secret: 'lin-secret' });
    const t = (await r.json()) as { scope: string; access_token: string };
    assert.equal(t.scope, 'read,issues:create');
    assert.match(t.access_token, /^lin_oauth_/);
  });

  test('a missing client secret: a simulated provider uses a generated one and says so; real mode shows how to define it', async () => {
    const prompt = hub.openPrompt({ type: 'gmail' });
    const authorize = location(await get(`${hub.url}/connect/${prompt.id}`), hub.url);
    assert.equal(authorize.searchParams.get('client_id'), 'g-client.apps.googleusercontent.com', 'the defined client id is kept');
    const consent = await get(location(await get(authorize.toString()), hub.url).toString());
    assert.equal(consent.status, 200);
    assert.match(await consent.text(), /GOOGLE_SECRET is not defined, so the simulated provider uses generated local credentials/);

    const sim = `${hub.url}/oauth/google`;
    const put = await fetch(`${hub.url}/api/integrations/real/gmail`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enabled: true, authorize: `${sim}/authorize`, token: `${sim}/token`, revoke: `${sim}/revoke` }) });
    assert.equal(put.status, 200);
    try {
      const real = hub.openPrompt({ type: 'gmail' });
      const r = await get(`${hub.url}/connect/${real.id}`);
      assert.equal(r.status, 400);
      const html = await r.text();
      assert.match(html, /capsule-local secret set GOOGLE_SECRET/);
      assert.match(html, /provider-google/);
    } finally {
      assert.equal((await fetch(`${hub.url}/api/integrations/real/gmail`, { method: 'DELETE' })).status, 200);
    }
  });

  test('a custom OAuth type gets its own provider with raw client credentials', async () => {
    const prompt = hub.openPrompt({ type: 'notion' });
    const out = await hub.service.approve(prompt.id, {});
    assert.ok(out.ok, JSON.stringify(out));
    const c = hub.read().integrations.user_dev!.notion!;
    assert.deepEqual(c.scopes, ['read_content']);
    const page = await (await get(`${hub.url}/oauth/notion/.well-known/oauth-authorization-server`)).json();
    assert.equal((page as { issuer: string }).issuer, `${hub.url}/oauth/notion`);
  });

  test('real-provider mode uses the configured endpoints with the same client code', async () => {
    hub.secretValues.GOOGLE_SECRET = 'g-secret';
    // The "real" Google is the simulated one at other URLs: what matters is that the client
    // follows the configured endpoints and the catalog's extra parameters.
    const sim = `${hub.url}/oauth/google`;
    const put = await fetch(`${hub.url}/api/integrations/real/gmail`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enabled: true, authorize: `${sim}/authorize`, token: `${sim}/token`, revoke: `${sim}/revoke` }) });
    assert.equal(put.status, 200);
    const prompt = hub.openPrompt({ type: 'gmail', userId: 'user_ada' });
    const authorize = location(await get(`${hub.url}/connect/${prompt.id}`), hub.url);
    assert.equal(authorize.searchParams.get('access_type'), 'offline', "Google's refresh-token parameter from the catalog");
    assert.equal(authorize.searchParams.get('redirect_uri'), `${hub.url}/integrations/callback`);
    const consent = location(await get(authorize.toString()), hub.url);
    const decided = await postForm(`${hub.url}/oauth/google/consent`, { consent_id: consent.pathname.split('/').pop()!, account: 'user_ada', granted: ['https://www.googleapis.com/auth/gmail.readonly'], decision: 'allow' });
    const done = await get(location(decided, hub.url).toString());
    assert.equal(done.status, 200, await done.text());
    const c = hub.read().integrations.user_ada!.gmail!;
    assert.match(c.accessToken, /^ya29\./);
    const state = (await (await fetch(`${hub.url}/api/integrations`)).json()) as { users: Array<{ id: string; integrations: Array<{ type: string; real: boolean }> }> };
    assert.equal(state.users.find((u) => u.id === 'user_ada')!.integrations.find((i) => i.type === 'gmail')!.real, true);
    assert.ok(!JSON.stringify(state).includes(c.accessToken), 'the panel never shows tokens');
    await hub.service.expire('user_ada', 'gmail');
    await hub.service.refreshUser('user_ada');
    assert.notEqual(hub.read().integrations.user_ada!.gmail!.accessToken, c.accessToken, 'refreshed through the configured token endpoint');
    const revoked = await hub.service.revoke('user_ada', 'gmail');
    assert.equal(revoked.providerRevoked, true);
    assert.equal((await fetch(`${hub.url}/api/integrations/real/gmail`, { method: 'DELETE' })).status, 200);
    // Approve from the panel is refused in real mode, with the reason.
    await fetch(`${hub.url}/api/integrations/real/gmail`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enabled: true }) });
    const p2 = hub.openPrompt({ type: 'gmail', userId: 'user_ada' });
    const refused = await fetch(`${hub.url}/api/integrations/prompts/${p2.id}/approve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(refused.status, 409);
    assert.match(((await refused.json()) as { error: string }).error, /real-provider mode/);
  });

  test("real-provider mode: a token error answered with HTTP 200 (GitHub's habit) is reported as the OAuth error", async () => {
    const { createServer } = await import('node:http');
    const fake = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' }));
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
    const port = (fake.address() as { port: number }).port;
    try {
      const put = await fetch(`${hub.url}/api/integrations/real/notion`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enabled: true, authorize: `${hub.url}/oauth/notion/authorize`, token: `http://127.0.0.1:${port}/token` }) });
      assert.equal(put.status, 200);
      const prompt = hub.openPrompt({ type: 'notion', userId: 'user_gh200' });
      const authorize = location(await get(`${hub.url}/connect/${prompt.id}`), hub.url);
      const consent = location(await get(authorize.toString()), hub.url);
      const decided = await postForm(`${hub.url}/oauth/notion/consent`, { consent_id: consent.pathname.split('/').pop()!, account: 'user_ada', granted: ['read_content'], decision: 'allow' });
      const done = await get(location(decided, hub.url).toString());
      assert.equal(done.status, 400);
      assert.match(await done.text(), /bad_verification_code/);
      assert.equal(hub.read().integrations.user_gh200, undefined);
    } finally {
      await fetch(`${hub.url}/api/integrations/real/notion`, { method: 'DELETE' });
      await new Promise<void>((r) => fake.close(() => r()));
    }
  });

  test('secret form: a missing field is a validation error, then the fields reach the prompt', async () => {
    const prompt = hub.openPrompt({ type: 'aws', userId: 'user_aws' });
    const start = await get(`${hub.url}/connect/${prompt.id}`);
    assert.equal(location(start, hub.url).pathname, `/integrations/form/${prompt.id}`);
    const form = await (await get(`${hub.url}/integrations/form/${prompt.id}`)).text();
    assert.match(form, /Access key ID/);
    assert.match(form, /name="secret_access_key" type="password"/);
    const bad = await postForm(`${hub.url}/integrations/form/${prompt.id}`, { access_key_id: 'AKIATEST', secret_access_key: 'wJalr-secret', region: '' });
    assert.equal(bad.status, 400);
    const badHtml = await bad.text();
    assert.match(badHtml, /Region is required/);
    assert.ok(!badHtml.includes('wJalr-secret'), 'secret values are never echoed back');
    assert.match(badHtml, /value="AKIATEST"/, 'non-secret values are kept');
    const ok = await postForm(`${hub.url}/integrations/form/${prompt.id}`, { access_key_id: 'AKIATEST', secret_access_key: 'wJalr-secret', region: 'eu-west-1' });
    assert.equal(ok.status, 200);
    const a = hub.answers.find((x) => x.id === prompt.id)!.answer;
    assert.ok(a.allow);
    if (a.allow) assert.deepEqual({ ...a.credential.fields }, { access_key_id: 'AKIATEST', secret_access_key: 'wJalr-secret', region: 'eu-west-1' });
    assert.ok(!JSON.stringify(hub.read().events).includes('wJalr-secret'));
  });

  test('Tailscale form: masked auth key required, advertise_tags optional; the panel API approves with fields', async () => {
    const prompt = hub.openPrompt({ type: 'tailscale', userId: 'user_ts' });
    const form = await (await get(`${hub.url}/integrations/form/${prompt.id}`)).text();
    assert.match(form, /<label class="field" for="field-auth_key">Auth key<\/label>/);
    assert.match(form, /name="auth_key" type="password"/);
    assert.match(form, /placeholder="tskey-auth-..."/);
    assert.match(form, /Advertise tags \(optional\)/);
    assert.match(form, /name="advertise_tags" type="text"/);
    const missing = await fetch(`${hub.url}/api/integrations/prompts/${prompt.id}/approve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fields: { advertise_tags: 'tag:ci' } }) });
    assert.equal(missing.status, 400);
    assert.match(((await missing.json()) as { error: string }).error, /Auth key is required/);
    const ok = await fetch(`${hub.url}/api/integrations/prompts/${prompt.id}/approve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fields: { auth_key: 'tskey-auth-xyz' } }) });
    assert.equal(ok.status, 200);
    const a = hub.answers.find((x) => x.id === prompt.id)!.answer;
    assert.ok(a.allow);
    if (a.allow) assert.deepEqual({ ...a.credential.fields }, { auth_key: 'tskey-auth-xyz' }, 'an empty optional field is left out');
  });

  test('the fault panel API: approve with fewer scopes, deny, clock advance', async () => {
    const p = hub.openPrompt({ type: 'linear', userId: 'user_panel' });
    const r = await fetch(`${hub.url}/api/integrations/prompts/${p.id}/approve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scopes: ['read'] }) });
    assert.equal(r.status, 200, await r.clone().text());
    assert.deepEqual(((await r.json()) as { scopes: string[] }).scopes, ['read']);
    const p2 = hub.openPrompt({ type: 'linear', userId: 'user_panel2' });
    assert.equal((await fetch(`${hub.url}/api/integrations/prompts/${p2.id}/deny`, { method: 'POST' })).status, 200);
    assert.deepEqual(hub.answers.find((x) => x.id === p2.id)?.answer, { allow: false });
    const gone = await fetch(`${hub.url}/api/integrations/prompts/${p2.id}/deny`, { method: 'POST' });
    assert.equal(gone.status, 404);
    const before = hub.clock.now();
    const adv = await fetch(`${hub.url}/api/integrations/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seconds: 7200 }) });
    assert.equal(adv.status, 200);
    assert.ok(hub.clock.now() - before >= 7200 * 1000);
    const state = (await (await fetch(`${hub.url}/api/integrations`)).json()) as { users: Array<{ id: string; integrations: Array<{ type: string; expired: boolean }> }> };
    assert.equal(state.users.find((u) => u.id === 'user_panel')!.integrations[0]!.expired, false, 'Linear tokens live a day');
    const page = await (await get(`${hub.url}/integrations`)).text();
    assert.match(page, /Pending prompts/);
  });
});
