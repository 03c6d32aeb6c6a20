/** The feature gate with macOS-shaped inputs: feature masks, uids, OS names. */
import { assertEquals, assertMatch } from "@std/assert";
import {
  featureNames,
  featureReason,
  kernelBuildType,
  privilegeReason,
  skipReason,
} from "../../scenarios/machine/gate.ts";
import { TESTS } from "../../scenarios/netifdirect/table.ts";

// bsd/skywalk/os_skywalk_private.h bit numbers
const bit = (n: number) => 1n << BigInt(n);
const RELEASE = bit(0) | bit(3) | bit(4) | bit(5) | bit(6) | bit(7) | bit(10) | bit(11);
const DEVELOPMENT = RELEASE | bit(1) | bit(9);
const DEBUG = RELEASE | bit(2) | bit(9);
const NETIFDIRECT = 0x221n;

Deno.test("gate: every netifdirect entry requires Skywalk, netif nexus and dev-or-debug (0x221)", () => {
  for (const t of TESTS) assertEquals(t.requiredFeatures, NETIFDIRECT, t.name);
  assertEquals(featureNames(NETIFDIRECT), ["skywalk", "nexusNetif", "devOrDebug"]);
});

Deno.test("gate: the kernel build type comes from the DEVELOPMENT / DEBUG bits", () => {
  assertEquals(kernelBuildType(RELEASE), "release");
  assertEquals(kernelBuildType(DEVELOPMENT), "development");
  assertEquals(kernelBuildType(DEBUG), "debug");
});

Deno.test("gate: a development or debug kernel as root on macOS runs the tests", () => {
  for (const features of [DEVELOPMENT, DEBUG]) {
    assertEquals(skipReason("skywalk", NETIFDIRECT, { os: "darwin", features, uid: 0 }), null);
  }
});

Deno.test("gate: a release kernel is skipped, naming the missing bit and the build type", () => {
  const why = skipReason("skywalk", NETIFDIRECT, { os: "darwin", features: RELEASE, uid: 0 });
  assertMatch(why!, /^kern\.skywalk\.features 0xcf9 lacks 0x200 \(devOrDebug\)/);
  assertMatch(why!, /development or debug kernel is required \(this one is release\)/);
});

Deno.test("gate: no Skywalk at all, or an unreadable feature set, is skipped", () => {
  assertMatch(featureReason(NETIFDIRECT, 0n)!, /lacks 0x221 \(skywalk, nexusNetif, devOrDebug\)/);
  assertMatch(featureReason(NETIFDIRECT, null)!, /cannot be read/);
  assertMatch(featureReason(NETIFDIRECT, bit(0) | bit(9))!, /lacks 0x20 \(nexusNetif\)$/);
});

Deno.test("gate: skywalk needs root; the sim does not", () => {
  const facts = { os: "darwin", features: DEVELOPMENT, uid: 501 };
  assertMatch(skipReason("skywalk", NETIFDIRECT, facts)!, /needs root .*uid 501: run it with sudo/);
  assertEquals(skipReason("sim", NETIFDIRECT, facts), null);
  assertMatch(privilegeReason("skywalk", null)!, /an unknown user/);
});

Deno.test("gate: the reasons come in upstream's order: OS, features, privilege", () => {
  assertMatch(
    skipReason("skywalk", NETIFDIRECT, { os: "linux", features: null, uid: 1000 })!,
    /needs macOS .*\(this is linux\)/,
  );
  assertMatch(
    skipReason("skywalk", NETIFDIRECT, { os: "darwin", features: RELEASE, uid: 1000 })!,
    /lacks 0x200/,
  );
});
