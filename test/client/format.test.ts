import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, formatSpeed, RateMeter } from "../../client/format";

describe("formatBytes", () => {
  it("uses whole bytes below 1 KiB and binary units above", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(150 * 1000 * 1000)).toBe("143 MiB");
    expect(formatBytes(5 * 1024 ** 4)).toBe("5.0 TiB");
  });
  it("shows a dash for values that are not sizes", () => {
    expect(formatBytes(-1)).toBe("–");
    expect(formatBytes(Number.NaN)).toBe("–");
  });
});

describe("formatSpeed and formatDuration", () => {
  it("formats rates and times left", () => {
    expect(formatSpeed(12 * 1024 * 1024)).toBe("12 MiB/s");
    expect(formatDuration(42.4)).toBe("42 s");
    expect(formatDuration(185)).toBe("3 min 05 s");
    expect(formatDuration(3720)).toBe("1 h 02 min");
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe("–");
  });
});

describe("RateMeter", () => {
  it("measures over a sliding window, so a stall shows as a falling speed", () => {
    const meter = new RateMeter(5_000);
    expect(meter.sample(0, 0)).toBe(0);
    expect(meter.sample(1_000_000, 1_000)).toBe(1_000_000);
    expect(meter.sample(2_000_000, 2_000)).toBe(1_000_000);
    // 10 s later nothing more arrived: only the window's samples count.
    expect(meter.sample(2_000_000, 12_000)).toBe(0);
  });
  it("forgets its history on reset (a pause is not a stall)", () => {
    const meter = new RateMeter();
    meter.sample(0, 0);
    meter.sample(500, 1_000);
    meter.reset();
    expect(meter.sample(500, 60_000)).toBe(0);
    expect(meter.sample(1_500, 61_000)).toBe(1_000);
  });
});
