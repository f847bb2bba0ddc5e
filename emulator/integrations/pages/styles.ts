// The look of each simulated provider's pages: colors, type and layout close enough to recognize
// the provider at a glance, with text wordmarks only (no logos are reproduced).
import type { ProviderProfile } from '../providers';

const BASE = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh}
.avatar{display:inline-block;border-radius:50%;color:#fff;text-align:center;font-weight:600;flex:none}
.sim{font-size:12px;text-align:center;margin:16px auto;opacity:.75}
.scopes{list-style:none;margin:0;padding:0}
.scopes li{display:flex;gap:12px;align-items:flex-start;padding:10px 0}
.scopes input{margin-top:3px;width:16px;height:16px;flex:none}
.scope-name{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;opacity:.7;word-break:break-all}
.accounts{list-style:none;margin:0;padding:0}
.accounts label{display:flex;gap:12px;align-items:center;cursor:pointer;padding:10px 8px}
.accounts input{margin:0}
.acct-name{font-weight:600}
.acct-email{font-size:13px;opacity:.75}
.error-box{padding:10px 12px;border-radius:6px;margin:12px 0;font-size:14px}
.buttons{display:flex;gap:12px;justify-content:flex-end;margin-top:20px}
.buttons .btn-cancel{order:-1}
button{font:inherit;cursor:pointer}
details.add summary{cursor:pointer;padding:8px;list-style:none}
details.add form{display:grid;gap:8px;padding:8px}
details.add input{font:inherit;padding:8px;border-radius:4px;border:1px solid #8888}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
`;

const STYLE: Record<ProviderProfile['style'], string> = {
  github: `
body{background:#f6f8fa;color:#1f2328;font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI","Noto Sans",Helvetica,Arial,sans-serif}
.wrap{max-width:560px;margin:0 auto;padding:32px 16px}
.wordmark{font-weight:700;font-size:20px;text-align:center;letter-spacing:-.5px}
.pair{display:flex;justify-content:center;align-items:center;gap:16px;margin:24px 0 8px}
.pair .dots{letter-spacing:4px;color:#8c959f}
.logo{width:64px;height:64px;border-radius:50%;background:#fff;border:1px solid #d0d7de;display:flex;align-items:center;justify-content:center;font-weight:700;font-size:22px}
h1{font-size:24px;font-weight:400;text-align:center;margin:8px 0 16px}
.box{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:16px}
.box + .box{margin-top:16px}
.box h2{font-size:14px;margin:0 0 8px}
.scopes li{border-top:1px solid #d8dee4}
.accounts label:hover{background:#f6f8fa}
.btn{border:1px solid #d0d7de;background:#f6f8fa;color:#24292f;border-radius:6px;padding:5px 16px;font-weight:500}
.btn-primary{background:#1f883d;border-color:#1a7f37;color:#fff}
.error-box{background:#ffebe9;border:1px solid #ff818266;color:#82071e}
.foot{text-align:center;color:#59636e;font-size:12px;margin-top:16px}
`,
  google: `
body{background:#f0f4f9;color:#1f1f1f;font:14px/1.45 Roboto,"Google Sans",Arial,Helvetica,sans-serif}
.wrap{max-width:720px;margin:0 auto;padding:32px 16px}
.card{background:#fff;border-radius:28px;padding:36px 40px}
.wordmark{font-size:14px;color:#444746;display:flex;gap:8px;align-items:center;margin-bottom:16px}
.wordmark b{font-weight:500}
h1{font-family:"Google Sans",Roboto,Arial,sans-serif;font-size:28px;font-weight:400;margin:8px 0 12px}
.chip{display:inline-flex;gap:8px;align-items:center;border:1px solid #747775;border-radius:16px;padding:2px 10px 2px 2px;font-size:13px}
h2{font-size:16px;font-weight:500;margin:24px 0 8px}
.scopes li{border-bottom:1px solid #e3e3e3}
.accounts label{border-bottom:1px solid #e3e3e3}
.accounts label:hover{background:#f8fafd}
.btn{border:none;background:none;color:#0b57d0;border-radius:20px;padding:10px 24px;font-weight:500}
.btn:hover{background:#f0f4f9}
.btn-primary{background:#0b57d0;color:#fff}
.btn-primary:hover{background:#0a4bb8}
.error-box{background:#fce8e6;color:#b3261e}
.foot{color:#444746;font-size:12px;margin-top:24px}
.code{color:#b3261e;font-weight:500}
`,
  microsoft: `
body{background:#f2f2f2;color:#1b1b1b;font:15px/1.4 "Segoe UI","Segoe UI Web (West European)",-apple-system,Helvetica,Arial,sans-serif}
.wrap{max-width:460px;margin:0 auto;padding:48px 16px}
.card{background:#fff;box-shadow:0 2px 6px rgba(0,0,0,.2);padding:44px}
.wordmark{font-size:20px;font-weight:600;color:#737373;margin-bottom:16px}
.ident{font-size:15px;margin-bottom:8px}
h1{font-size:24px;font-weight:600;margin:8px 0 16px}
h2{font-size:15px;font-weight:600;margin:16px 0 4px}
.scopes li{padding:6px 0}
.accounts label:hover{background:#f2f2f2}
.btn{border:none;background:#ccc;color:#000;padding:6px 12px;min-width:108px;min-height:32px}
.btn-primary{background:#0067b8;color:#fff}
.error-box{background:#fde7e9;color:#a80000;border-radius:0}
.foot{font-size:13px;color:#616161;margin-top:16px}
`,
  linear: `
body{background:#08090a;color:#f7f8f8;font:14px/1.5 Inter,-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif}
.wrap{max-width:480px;margin:0 auto;padding:64px 16px}
.card{background:#0f1011;border:1px solid #23252a;border-radius:12px;padding:32px}
.wordmark{font-weight:600;font-size:16px;color:#d0d6e0;margin-bottom:24px;text-align:center}
h1{font-size:20px;font-weight:500;text-align:center;margin:0 0 8px}
.sub{color:#8a8f98;text-align:center;margin-bottom:16px}
h2{font-size:13px;font-weight:500;color:#8a8f98;margin:20px 0 4px;text-transform:uppercase;letter-spacing:.04em}
.scopes li{border-top:1px solid #23252a}
.accounts label{border-radius:8px}
.accounts label:hover{background:#1c1d1f}
.btn{border:1px solid #2e3035;background:#1c1d1f;color:#f7f8f8;border-radius:8px;padding:8px 16px}
.btn-primary{background:#5e6ad2;border-color:#5e6ad2;color:#fff}
.error-box{background:#3a1518;color:#ffb4b4;border:1px solid #6e2a2f}
.foot{color:#62666d;font-size:12px;text-align:center;margin-top:16px}
details.add input{background:#1c1d1f;color:#f7f8f8}
`,
  generic: `
body{background:#eef0f3;color:#1d2330;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.wrap{max-width:520px;margin:0 auto;padding:40px 16px}
.card{background:#fff;border:1px solid #d5d9e0;border-radius:10px;padding:28px}
.wordmark{font-weight:700;font-size:18px;margin-bottom:12px}
h1{font-size:22px;font-weight:600;margin:4px 0 12px}
h2{font-size:14px;font-weight:600;margin:18px 0 4px}
.scopes li{border-top:1px solid #e6e8ec}
.accounts label:hover{background:#f4f5f7}
.btn{border:1px solid #c5cad3;background:#fff;border-radius:6px;padding:8px 16px}
.btn-primary{background:#2f5bea;border-color:#2f5bea;color:#fff}
.error-box{background:#fdecec;color:#8f1d1d}
.foot{color:#5b6270;font-size:12px;margin-top:16px}
`,
};

export function providerCss(style: ProviderProfile['style']): string {
  return BASE + STYLE[style];
}

/** The platform's own pages (secret forms, results, the fault panel). */
export const PLATFORM_CSS = `
*{box-sizing:border-box}
body{margin:0;background:#f5f6f8;color:#1c2230;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.wrap{max-width:560px;margin:0 auto;padding:40px 16px}
.card{background:#fff;border:1px solid #dde1e7;border-radius:12px;padding:28px;box-shadow:0 1px 2px #0000000d}
.brand{font-weight:700;letter-spacing:.2px;color:#5b43d6;margin-bottom:8px}
h1{font-size:22px;margin:0 0 6px}
.lead{color:#4a5263;margin:0 0 18px}
label.field{display:block;margin:14px 0 4px;font-weight:600;font-size:14px}
.field-input{width:100%;font:inherit;padding:9px 10px;border:1px solid #c4cad4;border-radius:6px}
.field-input[aria-invalid=true]{border-color:#c62828;background:#fff6f6}
.hint{font-size:12px;color:#6b7384;margin-top:2px}
.field-error{font-size:13px;color:#c62828;margin-top:4px}
.error-box{background:#fdecec;color:#8f1d1d;padding:10px 12px;border-radius:6px;margin:12px 0}
.ok-box{background:#e8f6ec;color:#1d5b2c;padding:10px 12px;border-radius:6px;margin:12px 0}
.buttons{display:flex;gap:12px;justify-content:flex-end;margin-top:22px}
.buttons .btn-cancel{order:-1}
.btn{font:inherit;cursor:pointer;border:1px solid #c4cad4;background:#fff;border-radius:6px;padding:8px 16px}
.btn-primary{background:#5b43d6;border-color:#5b43d6;color:#fff}
.muted{color:#6b7384;font-size:13px}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
`;
