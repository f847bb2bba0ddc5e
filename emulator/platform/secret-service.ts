// SecretService: GetSecret is `cpsl.Secret.value`'s resolver, the workspace's one (store → .env →
// environment), with its provenance in the event log and never its value. Listing gives names
// only. Writing secrets stays with `capsule-local secret set` (the values never pass an app).
import type { GatewayHub } from '../gateway/hub-impl';
import type { ServiceImpl } from './server';
import { hubMethod } from './runner-service';

export function secretService(hub: GatewayHub): ServiceImpl {
  return {
    unary: {
      async GetSecret(req, caller) {
        return (await hubMethod(hub, caller, 'GetSecret', { name: req.name })) as Record<string, unknown>;
      },
      ListSecrets() {
        const secrets = Object.entries(hub.read().secrets).map(([name, s]) => ({ name, created_at: s.createdAt, updated_at: s.updatedAt }));
        return { ok: true, secrets, err_msg: '' };
      },
    },
    unimplemented: {
      CreateSecret: 'creating secrets from an app (use `capsule-local secret set NAME`)',
      UpdateSecret: 'updating secrets from an app (use `capsule-local secret set NAME`)',
      DeleteSecret: 'deleting secrets from an app (use `capsule-local secret rm NAME`)',
    },
  };
}
