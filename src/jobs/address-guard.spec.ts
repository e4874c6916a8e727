import { describe, expect, it } from '@jest/globals';
import { checkTargetUrl, isRefusedAddress } from './address-guard.js';

describe('address checks for audio_url and webhook_url', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.9', '192.168.1.1', '169.254.169.254', '0.0.0.0', '100.64.0.1', '::1', '::', 'fe80::1', 'fd00::5', '::ffff:127.0.0.1', '::ffff:10.0.0.1'])('refuses %s', (address) => {
    expect(isRefusedAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows public %s', (address) => {
    expect(isRefusedAddress(address)).toBe(false);
  });

  it('refuses literal private hosts unless allowed, other schemes and credentials always', () => {
    expect(checkTargetUrl('http://127.0.0.1:9/x', false)).toMatch(/loopback/);
    expect(checkTargetUrl('http://[::1]/x', false)).toMatch(/loopback/);
    expect(checkTargetUrl('http://127.0.0.1:9/x', true)).toBeInstanceOf(URL);
    expect(checkTargetUrl('https://example.com/hook', false)).toBeInstanceOf(URL);
    expect(checkTargetUrl('file:///etc/passwd', true)).toMatch(/http or https/);
    expect(checkTargetUrl('http://user:pw@example.com/', true)).toMatch(/credentials/);
    expect(checkTargetUrl('not a url', true)).toMatch(/not a valid URL/);
  });
});
