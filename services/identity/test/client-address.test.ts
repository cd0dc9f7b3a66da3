import { describe, expect, it } from "vitest";
import { clientAddress, clientKey, trustedProxies } from "../src/domain/client-address.js";

const gateway = trustedProxies(["10.0.0.0/8", "::1/128"]);

describe("the client address a login counts under", () => {
  it("is the last X-Forwarded-For entry when the peer is a trusted proxy", () => {
    expect(clientAddress("10.1.2.3", "198.51.100.7", gateway)).toBe("198.51.100.7");
    expect(clientAddress("::1", "1.1.1.1, 198.51.100.7", gateway)).toBe("198.51.100.7");
    expect(clientAddress("::ffff:10.1.2.3", "2001:db8::5", gateway)).toBe("2001:db8::5");
  });

  it("is the peer itself when the peer is not trusted, or the header holds no address", () => {
    expect(clientAddress("192.0.2.1", "198.51.100.7", gateway)).toBe("192.0.2.1");
    expect(clientAddress("::ffff:192.0.2.1", undefined, gateway)).toBe("192.0.2.1");
    expect(clientAddress("10.1.2.3", "not-an-address", gateway)).toBe("10.1.2.3");
  });

  it("groups an IPv6 client by its /64 and keeps IPv4 whole", () => {
    expect(clientKey("198.51.100.7")).toBe("client:198.51.100.7");
    expect(clientKey("2001:db8:1:2::1")).toBe("client:2001:db8:1:2::/64");
    expect(clientKey("2001:0db8:0001:0002:ffff:0:0:9")).toBe("client:2001:db8:1:2::/64");
    expect(clientKey("2001:db8::1")).toBe("client:2001:db8:0:0::/64");
    expect(clientKey("::1")).toBe("client:0:0:0:0::/64");
  });
});
