import { describe, expect, it } from "vitest";
import {
  ConcertCreateRequest,
  ConcertUpdateRequest,
  LoginRequest,
  RegisterRequest,
} from "../src/index.js";

const inAWeek = () => new Date(Date.now() + 7 * 86_400_000).toISOString();
const concert = { name: "N", artist: "A", venue: "V", starts_at: inAWeek(), capacity: 10 };

describe("concert bodies", () => {
  it("accept a concert in the future with optional description and price", () => {
    expect(
      ConcertCreateRequest.safeParse({ ...concert, description: null, ticket_price: 12.5 }).success,
    ).toBe(true);
  });

  it("refuse a capacity below 1, a past start and a price with fractions of a cent", () => {
    for (const bad of [
      { ...concert, capacity: 0 },
      { ...concert, starts_at: "2000-01-01T00:00:00Z" },
      { ...concert, ticket_price: 1.234 },
    ]) {
      expect(ConcertCreateRequest.safeParse(bad).success).toBe(false);
    }
  });

  it("drop unknown fields instead of refusing them, as Pydantic does", () => {
    const parsed = ConcertCreateRequest.parse({ ...concert, organiser: "me" });
    expect(parsed).not.toHaveProperty("organiser");
  });

  it("take partial updates but not an empty one", () => {
    expect(ConcertUpdateRequest.safeParse({ venue: "Elsewhere" }).success).toBe(true);
    expect(ConcertUpdateRequest.safeParse({}).success).toBe(false);
  });
});

describe("identity bodies", () => {
  it("take login as JSON email or as the OAuth2 form's username", () => {
    expect(LoginRequest.safeParse({ email: "a@example.com", password: "x" }).success).toBe(true);
    expect(LoginRequest.safeParse({ username: "a@example.com", password: "x" }).success).toBe(true);
    expect(LoginRequest.safeParse({ password: "x" }).success).toBe(false);
  });

  it("refuse registration with a weak password, a bad email or an unknown role", () => {
    const good = { email: "a@example.com", password: "long-enough", full_name: "A" };
    expect(RegisterRequest.safeParse(good).success).toBe(true);
    expect(RegisterRequest.safeParse({ ...good, password: "short" }).success).toBe(false);
    expect(RegisterRequest.safeParse({ ...good, email: "not-an-email" }).success).toBe(false);
    expect(RegisterRequest.safeParse({ ...good, role: "superuser" }).success).toBe(false);
  });
});
