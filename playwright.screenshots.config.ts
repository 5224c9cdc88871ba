// `npm run screenshots`: the README's pictures of the web client (tests/e2e/screenshots), not a
// test. Kept out of `npm test`: the main config's projects never look in that folder.
import { defineConfig } from '@playwright/test';
import base from './playwright.config';

const web = base.projects!.find((project) => project.name === 'web')!;

export default defineConfig({
  ...base,
  workers: 1,
  projects: [{ name: 'screenshots', testDir: 'tests/e2e/screenshots', use: web.use }],
});
