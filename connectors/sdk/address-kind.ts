import { isIPv4, isIPv6 } from 'node:net';

// What an IP address reaches, for deciding whether the hub may connect to it (see
// upstream-address-policy.ts). An IPv6 address that carries an IPv4 address (mapped, translated,
// NAT64, 6to4, Teredo) is what that IPv4 address is: the packets end up there.

export type AddressKind =
  | 'public'
  /** 10/8, 172.16/12, 192.168/16, 100.64/10 (carrier-grade NAT, also VPN overlays), fc00::/7, fec0::/10. */
  | 'private'
  | 'loopback'
  /** 169.254/16, fe80::/10: cloud instance metadata and link-local services. */
  | 'link-local'
  /** Cloud instance metadata outside link-local ranges (AWS over IPv6, Alibaba Cloud). */
  | 'metadata'
  /** 0/8 and ::, which Linux connects to the host itself. */
  | 'unspecified'
  | 'multicast'
  /** 240/4 and the broadcast address. */
  | 'reserved';

interface Range4 {
  base: number;
  bits: number;
  kind: AddressKind;
}

// Most specific first: the first match wins.
const IPV4_RANGES: readonly Range4[] = [
  { base: ipv4('100.100.100.200'), bits: 32, kind: 'metadata' },
  { base: ipv4('0.0.0.0'), bits: 8, kind: 'unspecified' },
  { base: ipv4('127.0.0.0'), bits: 8, kind: 'loopback' },
  { base: ipv4('169.254.0.0'), bits: 16, kind: 'link-local' },
  { base: ipv4('10.0.0.0'), bits: 8, kind: 'private' },
  { base: ipv4('172.16.0.0'), bits: 12, kind: 'private' },
  { base: ipv4('192.168.0.0'), bits: 16, kind: 'private' },
  { base: ipv4('100.64.0.0'), bits: 10, kind: 'private' },
  { base: ipv4('224.0.0.0'), bits: 4, kind: 'multicast' },
  { base: ipv4('240.0.0.0'), bits: 4, kind: 'reserved' },
];

/** The kind of an IP address (v4 or v6, an IPv6 zone allowed); undefined for anything else. */
export function addressKind(address: string): AddressKind | undefined {
  if (isIPv4(address)) return ipv4Kind(ipv4(address));
  const unzoned = address.replace(/%.*$/, '');
  if (isIPv6(unzoned)) return ipv6Kind(ipv6Groups(unzoned));
  return undefined;
}

function ipv4Kind(value: number): AddressKind {
  for (const range of IPV4_RANGES) {
    const mask = (~0 << (32 - range.bits)) >>> 0;
    if (((value & mask) >>> 0) === range.base) return range.kind;
  }
  return 'public';
}

function ipv6Kind(g: number[]): AddressKind {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const last32 = ((g6 << 16) | g7) >>> 0;
  const zeroTo = (end: number): boolean => g.slice(0, end).every((group) => group === 0);
  if (zeroTo(8)) return 'unspecified';
  if (zeroTo(7) && g7 === 1) return 'loopback';
  // ::a.b.c.d (compatible), ::ffff:a.b.c.d (mapped), ::ffff:0:a.b.c.d (translated)
  if (zeroTo(6)) return ipv4Kind(last32);
  if (zeroTo(5) && g5 === 0xffff) return ipv4Kind(last32);
  if (zeroTo(4) && g4 === 0xffff && g5 === 0) return ipv4Kind(last32);
  // NAT64: 64:ff9b::/96 and the local-use 64:ff9b:1::/48
  if (g0 === 0x64 && g1 === 0xff9b && (g2 === 0 || g2 === 1)) return ipv4Kind(last32);
  // 6to4: 2002:AABB:CCDD::/48
  if (g0 === 0x2002) return ipv4Kind(((g1 << 16) | g2) >>> 0);
  // Teredo: 2001:0::/32, client address inverted in the last 32 bits
  if (g0 === 0x2001 && g1 === 0) return ipv4Kind(~last32 >>> 0);
  // fd00:ec2::254, inside the private fc00::/7
  if (g0 === 0xfd00 && g1 === 0x0ec2 && [g2, g3, g4, g5, g6].every((group) => group === 0) && g7 === 0x254) return 'metadata';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private';
  if ((g0 & 0xfe00) === 0xfc00) return 'private';
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  return 'public';
}

function ipv4(address: string): number {
  return address.split('.').reduce((value, octet) => ((value << 8) | Number(octet)) >>> 0, 0);
}

/** The eight 16-bit groups of a valid IPv6 address, a dotted IPv4 tail included. */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1] !== undefined) {
    const value = ipv4(dotted[1]);
    text = `${text.slice(0, dotted.index)}${(value >>> 16).toString(16)}:${(value & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const front = parse(head);
  if (tail === undefined) return front;
  const back = parse(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}
