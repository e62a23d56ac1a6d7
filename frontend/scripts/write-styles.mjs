// Writes styles/dark.json and styles/light.json from scripts/theme.mjs (`npm run styles`).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { THEMES, styleText } from './theme.mjs';

for (const theme of Object.keys(THEMES)) {
  const out = new URL(`../../styles/${theme}.json`, import.meta.url);
  writeFileSync(out, styleText(theme));
  console.log(`wrote ${fileURLToPath(out)}`);
}
