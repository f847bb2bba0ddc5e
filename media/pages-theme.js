// The app's `app.theme(...)` as the pages draw it, shared by the page view (media/pages.js, a
// classic script) and the React pages' kit (media/capsule-page/theme.js imports this file for its
// effect): the declared Theme (its preset's colours under its overrides, as the SDK resolves it)
// over the SDK's "light" preset (theme.py PRESETS), each value kept only when it is a plain CSS
// colour or font list; and its mapping onto the page view's CSS variables (media/common.css),
// set with CSSOM on the page's content area, never as markup.
// No `this` and no declarations at the top level: it runs the same as a classic script and as a module.
globalThis.capsuleTheme = (() => {
  const SANS = '"Inter", ui-sans-serif, system-ui, sans-serif';
  const MONO = 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
  /** theme.py's "light" preset: the look of an app that declares no theme (in the kit), or leaves a colour out. */
  const LIGHT = Object.freeze({ primary: '#2563eb', accent: '#d97706', background: '#faf9f6', foreground: '#16140f', sidebar: '#faf9f6', surface: '#f2f1ed', border: '#dcdad4', muted: '#6b665b', danger: '#dc2626', success: '#16a34a', font_sans: SANS });
  /** theme.py's presets: what a value of the theme that is ignored falls back to. */
  const PRESETS = Object.freeze({
    dark: { primary: '#60a5fa', accent: '#60a5fa', background: '#1a1a1a', foreground: '#f0f0f0', sidebar: '#1a1a1a', surface: '#232323', border: '#303030', muted: '#969696', danger: '#f87171', success: '#86efac', font_sans: SANS },
    light: LIGHT,
    midnight: { primary: '#38bdf8', accent: '#a78bfa', background: '#0f172a', foreground: '#e2e8f0', sidebar: '#0f172a', surface: '#1e293b', border: '#293449', muted: '#94a3b8', danger: '#f87171', success: '#34d399', font_sans: SANS },
    warm: { primary: '#b45309', accent: '#dc8b4f', background: '#fdf8f0', foreground: '#292524', sidebar: '#fdf8f0', surface: '#faebd7', border: '#d6cfc7', muted: '#78716c', danger: '#b91c1c', success: '#15803d', font_sans: SANS },
  });
  /** The kit's radius scales of theme.py's Radius (sm, md, lg); md when the theme names none. */
  const RADII = Object.freeze({ sm: { sm: '2px', md: '4px', lg: '6px', xl: '8px' }, md: { sm: '4px', md: '6px', lg: '8px', xl: '12px' }, lg: { sm: '6px', md: '10px', lg: '14px', xl: '20px' } });
  const COLOR_KEYS = ['primary', 'accent', 'background', 'foreground', 'sidebar', 'surface', 'border', 'muted', 'danger', 'success'];
  const FONT_KEYS = ['font_sans', 'font_mono'];

  // What a value may hold: nothing that ends a declaration or a block, escapes, comments, markup,
  // a url()/expression()/var()/attr() or an at-rule. Colours: hex, a colour name, or one of CSS's
  // colour functions over numbers; fonts: family names (quoted or not) separated by commas.
  const HOSTILE = /[;{}<>\\@]|\/\*|url\s*\(|expression|javascript|var\s*\(|attr\s*\(/i;
  const COLOR = /^(#[0-9a-f]{3,4}|#[0-9a-f]{6}|#[0-9a-f]{8}|[a-z]{3,30}|(rgba?|hsla?|hwb|lab|lch|oklab|oklch)\(\s*[-+0-9.%a-z\s,/]{1,80}\))$/i;
  const FONT = /^\s*("[\w .-]{1,60}"|'[\w .-]{1,60}'|[\w .-]{1,60})(\s*,\s*("[\w .-]{1,60}"|'[\w .-]{1,60}'|[\w .-]{1,60})){0,11}\s*$/;
  const supports = (prop, v) => (typeof CSS !== 'undefined' && CSS && typeof CSS.supports === 'function' ? CSS.supports(prop, v) : true);

  /** `v` when it is a plain CSS colour, else undefined. */
  function color(v) {
    if (typeof v !== 'string') return undefined;
    const s = v.trim();
    if (!s || s.length > 100 || HOSTILE.test(s) || !COLOR.test(s)) return undefined;
    return supports('color', s) ? s : undefined;
  }
  /** `v` when it is a plain CSS font-family list, else undefined. */
  function font(v) {
    if (typeof v !== 'string') return undefined;
    const s = v.trim();
    if (!s || s.length > 400 || HOSTILE.test(s) || !FONT.test(s)) return undefined;
    return supports('font-family', s) ? s : undefined;
  }

  function parseHex(hex) {
    const m = /^#?([0-9a-f]{3,8})$/i.exec(String(hex || '').trim());
    if (!m) return null;
    let h = m[1];
    if (h.length === 3 || h.length === 4) h = [...h].map((c) => c + c).join('');
    if (h.length !== 6 && h.length !== 8) return null;
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
  }
  const hex2 = (n) => Math.round(Math.max(0, Math.min(255, n))).toString(16).padStart(2, '0');

  /** `#rrggbb` with an alpha channel (0..1) as `#rrggbbaa`; a colour that is not hex comes back as given. */
  function withAlpha(hex, alpha) {
    const rgb = parseHex(hex);
    if (!rgb) return hex;
    const a = Math.max(0, Math.min(1, Number(alpha)));
    return `#${rgb.map(hex2).join('')}${hex2(a * 255)}`;
  }
  /** The colour t of the way from a to b (t=0: a, t=1: b). */
  function mix(a, b, t) {
    const x = parseHex(a);
    const y = parseHex(b);
    if (!x || !y) return t < 0.5 ? a : b;
    const k = Math.max(0, Math.min(1, Number(t)));
    return `#${x.map((v, i) => hex2(v + (y[i] - v) * k)).join('')}`;
  }
  /** A quick brightness (0..1) of a hex colour; 1 for a colour that is not hex. */
  function luminance(hex) {
    const rgb = parseHex(hex);
    return rgb ? (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255 : 1;
  }
  /** WCAG's relative luminance of a hex colour, or null. */
  function relative(hex) {
    const rgb = parseHex(hex);
    if (!rgb) return null;
    const [r, g, b] = rgb.map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  const DARK_INK = '#111111';
  const LIGHT_INK = '#ffffff';
  /** The text colour on `bg` with the higher contrast (WCAG): near-black or white. */
  function inkOn(bg) {
    const l = relative(bg);
    if (l === null) return LIGHT_INK;
    const dark = relative(DARK_INK);
    return (l + 0.05) / (dark + 0.05) > 1.05 / (l + 0.05) ? DARK_INK : LIGHT_INK;
  }

  /**
   * The declared theme (an object, or null for none) resolved for the kit and the page view: over
   * the "light" preset, a colour or font that is not a plain CSS value ignored (its preset's kept).
   */
  function resolve(declared) {
    const d = declared && typeof declared === 'object' && !Array.isArray(declared) ? declared : {};
    const own = (k) => (Object.prototype.hasOwnProperty.call(d, k) ? d[k] : undefined);
    const preset = typeof own('preset') === 'string' && Object.prototype.hasOwnProperty.call(PRESETS, own('preset')) ? own('preset') : undefined;
    // The declared theme already holds its preset's colours under its overrides; a value ignored
    // here falls back to the preset's, and with no preset to "light"'s.
    const base = preset ? PRESETS[preset] : LIGHT;
    const t = {};
    for (const k of COLOR_KEYS) t[k] = color(own(k)) || base[k];
    const mode = preset === 'dark' || preset === 'midnight' || (!preset && luminance(t.background) < 0.45) ? 'dark' : 'light';
    const radiusName = own('radius') === 'sm' || own('radius') === 'md' || own('radius') === 'lg' ? own('radius') : 'md';
    return {
      preset, mode,
      primary: t.primary, accent: t.accent, background: t.background, foreground: t.foreground,
      surface: t.surface, border: t.border, muted: t.muted, danger: t.danger, success: t.success, sidebar: t.sidebar,
      primaryFg: inkOn(t.primary),
      accentFg: inkOn(t.accent),
      radiusName,
      radius: RADII[radiusName],
      font: { sans: font(own('font_sans')) || base.font_sans || SANS, mono: font(own('font_mono')) || MONO },
    };
  }

  /**
   * The page view's CSS variables (media/common.css, media/pages.css) for the declared theme,
   * or null when the app declares none (the page view's own look).
   */
  function pageVariables(declared) {
    if (!declared || typeof declared !== 'object' || Array.isArray(declared)) return null;
    const r = resolve(declared);
    return {
      '--bg': r.background,
      '--panel': r.surface,
      '--ink': r.foreground,
      '--muted': r.muted,
      '--line': r.border,
      '--accent': r.primary,
      '--accent-ink': r.primaryFg,
      '--ok': r.success,
      // The theme has no warning colour: an amber that reads on the mode's background.
      '--warn': r.mode === 'dark' ? '#fbbf24' : '#a15c00',
      '--bad': r.danger,
      '--radius': r.radius.lg,
      '--radius-control': r.radius.md,
      '--font-sans': r.font.sans,
      '--font-mono': r.font.mono,
    };
  }

  /** The colours of a chart's series: the theme's primary and accent first, then the page view's. */
  const SERIES = ['#2563eb', '#0f766e', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#65a30d', '#db2777'];
  function palette(declared) {
    if (!declared || typeof declared !== 'object' || Array.isArray(declared)) return SERIES.slice();
    const r = resolve(declared);
    const first = [r.primary, r.accent].filter((c, i, all) => all.indexOf(c) === i);
    return [...first, ...SERIES.filter((c) => !first.includes(c))];
  }

  /**
   * Applies the declared theme to `target` (the page view's `main`) with CSSOM: its variables,
   * its font and its colour scheme. Nothing is set for an app without a theme. Returns whether
   * a theme was applied.
   */
  function apply(target, declared) {
    const vars = pageVariables(declared);
    if (!vars || !target || !target.style) return false;
    for (const [k, v] of Object.entries(vars)) target.style.setProperty(k, v);
    target.style.setProperty('font-family', vars['--font-sans']);
    target.style.setProperty('color-scheme', resolve(declared).mode);
    target.classList.add('themed');
    return true;
  }

  return Object.freeze({ LIGHT, PRESETS, RADII, SANS, MONO, color, font, parseHex, withAlpha, mix, luminance, inkOn, resolve, pageVariables, palette, apply });
})();
