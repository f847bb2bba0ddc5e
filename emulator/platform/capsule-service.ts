// CapsuleService: the Capsule CLI's account and deploy API (login, apps, deploy, remote serve).
// Capsule Local is the serve itself: these say so.
import type { ServiceImpl } from './server';

export function capsuleService(): ServiceImpl {
  const cli = (what: string): string => `${what} (the Capsule CLI's cloud API; locally, run \`capsule-local serve FILE.py:SYMBOL\`)`;
  return {
    unary: {},
    unimplemented: {
      ListApps: cli('listing apps'),
      CreateApp: cli('creating apps'),
      GetApp: cli('reading apps'),
      Resolve: cli('resolving app hostnames'),
      CreateCheckout: cli('checkout'),
      Authorize: cli('authorization'),
      RequestLogin: cli('login'),
      ConfirmLogin: cli('login'),
      Deploy: cli('deploying'),
      StartServe: cli('remote serve'),
      ServeStream: cli('remote serve'),
    },
  };
}
