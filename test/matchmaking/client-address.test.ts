import { expect, it } from 'vitest';
import { clientAddressKey } from '../../src/matchmaking/client-address.js';

it('keys IPv4 as it is (mapped or not) and IPv6 by its /64, however it is written', () => {
  expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
  expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  expect(clientAddressKey('::FFFF:203.0.113.7')).toBe('203.0.113.7');
  const prefix = '2001:db8:0:1::/64';
  for (const address of [
    '2001:db8:0:1::1',
    '2001:db8:0:1:ffff:ffff:ffff:ffff',
    '2001:0db8:0000:0001:0000:0000:0000:0002',
    '2001:db8::1:0:0:0:3',
    '2001:db8:0:1::5%eth0',
  ])
    expect(clientAddressKey(address)).toBe(prefix);
  expect(clientAddressKey('2001:db8:0:2::1')).toBe('2001:db8:0:2::/64');
  expect(clientAddressKey('::1')).toBe('0:0:0:0::/64');
  expect(clientAddressKey('::')).toBe('0:0:0:0::/64');
  expect(clientAddressKey('fe80::1')).toBe('fe80:0:0:0::/64');
  expect(clientAddressKey(undefined)).toBe('');
});
