/**
 * Debian's chromium (installed by .ci/setup), headless, driven by playwright-core: no browser
 * is downloaded. The flags keep it off the network this machine does not have (background
 * networking, component updates, sync) and let it run as root (--no-sandbox).
 */
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.TSPLAY_CHROMIUM ?? '/usr/bin/chromium';

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Where tests leave what CI keeps (screenshots): artifacts/ at the top of the checkout, or $TSPLAY_ARTIFACTS. */
export function artifactsDir(root: string): string {
  return process.env.TSPLAY_ARTIFACTS ?? `${root}artifacts`;
}
