import { BlockList, isIPv4, isIPv6 } from "node:net";

/**
 * The peers whose `X-Forwarded-For` is believed: the gateway's addresses (CIDRs). Anyone else's
 * header is ignored, so a client that reaches identity directly cannot claim another address.
 */
export function trustedProxies(cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = "", bits] = cidr.split("/");
    const family = isIPv6(address) ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return list;
}

function isTrusted(trusted: BlockList, address: string): boolean {
  if (isIPv4(address)) return trusted.check(address, "ipv4");
  return isIPv6(address) && trusted.check(address, "ipv6");
}

/**
 * The address a request came from: the peer, or, when the peer is a trusted proxy, the last
 * address in `X-Forwarded-For` (the one that proxy wrote; the gateway replaces whatever the
 * client sent with the address it saw).
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: BlockList,
): string {
  const remote = unmapped(peer ?? "unknown");
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor;
  if (!header || !isTrusted(trusted, remote)) return remote;
  const last = unmapped(header.split(",").at(-1)?.trim() ?? "");
  return isIPv4(last) || isIPv6(last) ? last : remote;
}

/** `::ffff:1.2.3.4` is the IPv4 client 1.2.3.4 seen through a dual-stack socket. */
function unmapped(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

/**
 * The key a client's failures count under: its IPv4 address, or the /64 of an IPv6 one, since
 * one subscriber usually holds a whole /64 and could otherwise rotate through it.
 */
export function clientKey(address: string): string {
  if (!isIPv6(address)) return `client:${address}`;
  return `client:${expandIPv6(address).slice(0, 4).join(":")}::/64`;
}

function expandIPv6(address: string): string[] {
  const [head = "", tail] = address.split("%")[0]?.split("::") ?? [];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const zeros = Array(Math.max(0, 8 - left.length - right.length)).fill("0");
  const groups = tail === undefined ? left : [...left, ...zeros, ...right];
  return groups.map((group) => Number.parseInt(group || "0", 16).toString(16));
}
