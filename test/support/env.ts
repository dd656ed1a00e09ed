import { accessSync, constants } from 'node:fs';

/**
 * Real parts the tests need. A missing part fails the test with what to install; it is never a
 * silent skip (and under CI=true that is the rule the CI script relies on).
 */
export function chromiumPath(): string {
  const path = process.env.SYNCPROBE_CHROMIUM ?? '/usr/bin/chromium';
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`Chromium not found at ${path}: install Debian's 'chromium' package (apt-get install chromium) or set SYNCPROBE_CHROMIUM`);
  }
  return path;
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
