// What the status bar item says, apart from VS Code (so it can be tested without it): emulator
// state and port, pending prompts, and an app that runs its previous version after a failed reload.
export interface StatusInput {
  state: 'starting' | 'running' | 'failed' | 'stopped' | string;
  port?: number;
  url?: string;
  entry?: string;
  lastError?: string;
  /** A served app's failed reload: `app` answers with its previous version. */
  reloadFailure?: { app: string; error: string };
  pendingPrompts: number;
}

export interface StatusText {
  text: string;
  tooltip: string;
  background?: 'warning' | 'error';
}

export function statusText(s: StatusInput): StatusText {
  const prompts = s.pendingPrompts ? ` $(bell-dot) ${s.pendingPrompts}` : '';
  switch (s.state) {
    case 'starting':
      return { text: '$(loading~spin) Capsule: starting', tooltip: `Starting the emulator for ${s.entry ?? 'the app'}…` };
    case 'running': {
      const where = `Capsule emulator running at ${s.url ?? ''}${s.entry ? ` (${s.entry})` : ''}`;
      const asks = s.pendingPrompts ? `\n${s.pendingPrompts} pending prompt(s)` : '';
      if (s.reloadFailure) {
        return {
          text: `$(warning) Capsule :${s.port ?? '?'} previous version — reload failed${prompts}`,
          tooltip: `${s.reloadFailure.app} is running the previous version — reload failed: ${s.reloadFailure.error}\nFix the error and save to reload.\n${where}${asks}\nClick for actions`,
          background: 'warning',
        };
      }
      return { text: `$(broadcast) Capsule :${s.port ?? '?'}${prompts}`, tooltip: `${where}${asks}\nClick for actions`, background: s.pendingPrompts ? 'warning' : undefined };
    }
    case 'failed':
      return { text: '$(error) Capsule: stopped', tooltip: `The emulator stopped: ${s.lastError ?? 'see the Capsule output'}\nClick for actions`, background: 'error' };
    default:
      return { text: '$(circle-outline) Capsule', tooltip: 'Capsule emulator stopped. Click to run an app locally.' };
  }
}
