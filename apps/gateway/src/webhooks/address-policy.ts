import { BlockList, isIP } from 'node:net';

/**
 * Ranges a callback must not reach unless WEBHOOK_ALLOW_PRIVATE=true: a gateway sits inside the grid's
 * network, so a client-chosen URL could otherwise probe Redis, cloud metadata (169.254.169.254) or admin
 * ports (SSRF). Special-purpose ranges that are never a public web host are refused with them.
 */
const REFUSED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  REFUSED.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b:1::', 48], // local-use NAT64
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  REFUSED.addSubnet(network, prefix, 'ipv6');
}

/** Why an IP address may not be called back, or null when it is a public address. */
export function refusedAddress(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  const embedded = family === 6 ? embeddedIpv4(address) : null;
  if (embedded !== null) return refusedAddress(embedded);
  const refused = REFUSED.check(address, family === 4 ? 'ipv4' : 'ipv6');
  return refused ? `${address} is a private, loopback, link-local or reserved address` : null;
}

/**
 * The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) or NAT64
 * (64:ff9b::a.b.c.d) IPv6 address: each reaches the IPv4 host, so the IPv4 rules decide.
 */
function embeddedIpv4(address: string): string | null {
  const groups = expandIpv6(address);
  const head = groups
    .slice(0, 6)
    .map((group) => group.toString(16))
    .join(':');
  const mapped = head === '0:0:0:0:0:ffff' || head === '0:0:0:0:0:0' || head === '64:ff9b:0:0:0:0';
  if (!mapped || (head === '0:0:0:0:0:0' && groups[6] === 0)) return null;
  const [high, low] = [groups[6], groups[7]];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** The eight 16-bit groups of an IPv6 address (with `::` and a dotted IPv4 tail expanded). */
function expandIpv6(address: string): number[] {
  let text = address.toLowerCase().split('%')[0];
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [left, right] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const head = parse(left);
  const tail = parse(right);
  const zeros = right === undefined ? [] : Array<number>(8 - head.length - tail.length).fill(0);
  return [...head, ...zeros, ...tail];
}
