// What the emulator cannot provide is said by name (a managed filesystem on the bundled runtime:
// filesystems.test.ts); of the app's pages
// the line names what is not rendered (React pages' npm packages, widget types the page view does
// not draw, the theme's branding: its colours, fonts and radius are applied) and where the cpsl.ui pages and workflow screens it renders are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startEmulator } from '../support/emulator';
import { unemulatedFeatures } from '../../emulator/runner/unemulated';
import { chat, json } from '../emulator/helpers';
import { waitFor } from '../support/wait';

test('serve and the event log name what of the pages is not rendered and where the rendered ones are; their data is served', async () => {
  const emu = await startEmulator({ app: join(__dirname, 'fixtures', 'together') });
  try {
    // Its theme (accent= only) is applied to the pages: not named.
    const said = /together: Capsule Local renders Stats at \/pages\/together\/stats, the home body at \/pages\/together, the screen of Intake at \/pages\/together\/_workflow\/Intake \(signed in, linked from the dashboard\)$/m;
    await waitFor('serve to name the pages', () => said.test(emu.output()) || undefined);
    assert.equal((await chat(emu, 'hi')).body.reply, 'echo: hi');
    const events = await json<Array<{ summary: string }>>(emu, '/api/events/log');
    assert.equal(events.body.filter((e) => said.test(e.summary)).length, 1, 'said once');
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});

test('an app that declares none of them is told nothing; odd shapes are skipped, not thrown on', () => {
  assert.deepEqual(unemulatedFeatures(undefined), []);
  assert.deepEqual(unemulatedFeatures({ pages: [], workflows: [], filesystems: {}, home: { suggestions: [] }, theme: null }), []);
  assert.deepEqual(unemulatedFeatures({ pages: 'x', filesystems: [1], home: 3 }), []);
  const [p] = unemulatedFeatures({ pages: [{ name: '__proto__' }, null], onboarding: {}, chat: {} });
  assert.match(p!.summary, /renders __proto__ \(\/\?\), \? \(\/\?\), the chat page \(no widget tree\), the onboarding page;/);
});

test('the chat page and an onboarding are pointed to; what they do not draw, and a React onboarding\'s npm packages, are named', () => {
  const chat = { mode: 'multi', scope: 'owner', thread_key: 'chat_page:default', sidebar_label: 'Studio', widget_tree: { type: 'page', children: [{ type: 'chat_panel', show_header: true }, { type: 'file_browser', mount: '/data' }, { type: 'run_list' }] } };
  const onboarding = { type: 'dsl', widget_tree: { type: 'page', children: [{ type: 'text', content: 'hi' }, { type: 'chat_panel' }] } };
  const [p] = unemulatedFeatures({ chat, onboarding }, 'a b');
  assert.equal(p!.summary.split(';')[0], "the platform's web app renders ui.RunList in the chat page, ui.ChatPanel in the onboarding page");
  assert.match(p!.summary, /Capsule Local renders the chat page at \/pages\/a%20b\/chat, the onboarding page at \/pages\/a%20b\/_onboarding \(signed in, linked from the dashboard\)$/);
  const [plain] = unemulatedFeatures({ chat: { ...chat, widget_tree: { type: 'page', children: [{ type: 'chat_panel' }] } } }, 'a');
  assert.equal(plain!.summary, 'Capsule Local renders the chat page at /pages/a/chat (signed in, linked from the dashboard)');
  const [react] = unemulatedFeatures({ onboarding: { type: 'react', component: 'onboarding.tsx', packages: [] } }, 'a');
  assert.equal(react!.summary, 'Capsule Local renders the onboarding page at /pages/a/_onboarding (signed in, linked from the dashboard)');
  const [withPackages] = unemulatedFeatures({ onboarding: { type: 'react', component: 'onboarding.tsx', packages: ['canvas-confetti@1'] } }, 'a');
  assert.match(withPackages!.summary, /^the platform's web app renders the npm packages canvas-confetti in the onboarding page \(packages=: served by the platform, not available offline\); Capsule Local does not render that yet/);
});

test('React pages and cpsl.ui pages that draw fully are only pointed to; a React page\'s npm packages are named', () => {
  const text = { type: 'text', content: 'hi' };
  const [react] = unemulatedFeatures({ pages: [{ name: 'Board', route: 'board', type: 'react', component: 'pages/board.tsx' }] }, 'shop');
  assert.equal(react!.summary, 'Capsule Local renders Board at /pages/shop/board (signed in, linked from the dashboard)');
  const [pkgs] = unemulatedFeatures({ pages: [{ name: 'Chart', route: 'chart', type: 'react', component: 'pages/chart.tsx', packages: ['recharts@2.12.0', '@tanstack/react-table@8', 'recharts'] }] }, 'shop');
  assert.equal(pkgs!.summary.split(';')[0], "the platform's web app renders the npm packages recharts, @tanstack/react-table in Chart (packages=: served by the platform, not available offline)");
  assert.match(pkgs!.summary, /Capsule Local renders Chart at \/pages\/shop\/chart/);
  const [dsl] = unemulatedFeatures({ pages: [{ name: 'Sales', route: 'sales/q1', type: 'dsl', widget_tree: { type: 'page', children: [text] } }], home: { widget_tree: { type: 'page', children: [text] } } }, 'my shop');
  assert.equal(dsl!.summary, 'Capsule Local renders Sales at /pages/my%20shop/sales/q1, the home body at /pages/my%20shop (signed in, linked from the dashboard)');
  const tree = { type: 'page', children: [{ type: 'row', children: [{ type: 'file_browser' }, { type: 'metric', label: 'n', data: 'orders' }, { type: 'metric', label: 'm', value: 3 }] }, { type: 'run_list' }, { type: 'file_browser' }, { type: 'chart' }, { type: 'task_board' }, { type: 'select', name: 'goal' }, { type: 'select', setting: 'tone' }] };
  const [mixed] = unemulatedFeatures({ pages: [{ name: 'Mix', route: 'mix', type: 'dsl', widget_tree: tree }] }, 'a');
  assert.match(mixed!.summary, /^the platform's web app renders ui\.Metric\(data=<a collection>\), ui\.RunList, ui\.Select\(name=\.\.\.\) in Mix; Capsule Local does not render that yet/);
  // A Metric over one of the app's data sources is drawn (the source's answer, or its field).
  const [sourced] = unemulatedFeatures({ pages: [{ name: 'Mix', route: 'mix', type: 'dsl', widget_tree: tree }], data_sources: [{ name: 'orders', access: 'public' }] }, 'a');
  assert.match(sourced!.summary, /^the platform's web app renders ui\.RunList, ui\.Select\(name=\.\.\.\) in Mix;/);
});

test("file browsers, table browsers and a workflow's run list are drawn; a workflow's file inputs are drawn but their files are not sent, said", () => {
  const tables = { type: 'table_browser', items: [{ type: 'table', collection_ref: 't' }, { type: 'table_group', label: 'g', items: [] }] };
  const page = { name: 'Files', route: 'files', type: 'dsl', widget_tree: { type: 'page', children: [{ type: 'file_browser', mount: '/data', path: '/' }, tables, { type: 'table_group', label: 'loose', items: [] }] } };
  const screen = (children: unknown[]) => ({ type: 'workflow_shell', children: [{ type: 'form_section', children }, { type: 'run_list', empty_message: 'none' }] });
  const [p] = unemulatedFeatures({ pages: [page], workflows: [{ name: 'Intake', widget_tree: screen([{ type: 'text_area', name: 'goal' }]) }] }, 'a');
  assert.equal(p!.summary, 'Capsule Local renders Files at /pages/a/files, the screen of Intake at /pages/a/_workflow/Intake (signed in, linked from the dashboard)');
  const [f] = unemulatedFeatures({ workflows: [{ name: 'Intake', widget_tree: screen([{ type: 'file_input', name: 'doc' }, { type: 'image_input', name: 'shot' }]) }, { name: 'Other', widget_tree: screen([{ type: 'file_input', name: 'x' }]) }] }, 'a');
  assert.equal(f!.summary, "Capsule Local renders the screen of Intake at /pages/a/_workflow/Intake, the screen of Other at /pages/a/_workflow/Other (signed in, linked from the dashboard); ui.FileInput, ui.ImageInput in the screen of Intake, ui.FileInput in the screen of Other are drawn, but a chosen file is not sent to the workflow (the SDK does not say what a workflow's input holds for a file)");
  assert.deepEqual(f!.detail.filesNotSent, ['ui.FileInput, ui.ImageInput in the screen of Intake', 'ui.FileInput in the screen of Other']);
});

test("a theme's colours are applied, not named; its branding (sidebar and head) is", () => {
  const page = { name: 'Sales', route: 'sales', type: 'dsl', widget_tree: { type: 'page', children: [{ type: 'text', content: 'hi' }] } };
  const [colours] = unemulatedFeatures({ pages: [page], theme: { preset: 'dark', primary: '#60a5fa', radius: 'lg', font_sans: 'Inter' } }, 'a');
  assert.equal(colours!.summary, 'Capsule Local renders Sales at /pages/a/sales (signed in, linked from the dashboard)');
  const [brand] = unemulatedFeatures({ pages: [page], theme: { accent: '#0f766e', logo: 'assets/logo.png', tagline: 'Hi', favicon: '' } }, 'a');
  assert.match(brand!.summary, /^the platform's web app renders the theme's logo, tagline \(its colours, fonts and radius are applied\); Capsule Local does not render that yet/);
});
