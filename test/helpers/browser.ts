/** Flags for the fake microphone, and for a browser that never leaves the machine. */
export function browserArgs(fakeCapture: string, resolverRules = 'MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'): string[] {
  return [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${fakeCapture}`,
    '--autoplay-policy=no-user-gesture-required',
    '--no-sandbox', // CI runs as root
    '--disable-dev-shm-usage',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-default-apps',
    '--disable-sync',
    '--disable-domain-reliability',
    '--disable-client-side-phishing-detection',
    '--no-pings',
    '--metrics-recording-only',
    '--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication',
    // Every host name but the test server's fails to resolve, so nothing leaves the machine.
    `--host-resolver-rules=${resolverRules}`,
  ];
}
