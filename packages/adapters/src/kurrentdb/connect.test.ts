import { expect, it, vi } from "vitest";
import { fakeKurrentClient } from "./testing/fake-client";

const server = fakeKurrentClient();
const load = vi.hoisted(() => vi.fn());
vi.mock("./client", async (original) => ({
  ...(await original<typeof import("./client")>()),
  loadClientModule: load,
}));

it("forgets a failed connection attempt, so the next call connects", async () => {
  const { kurrentdbStore } = await import("./store");
  load
    .mockRejectedValueOnce(new Error("module failed to load"))
    .mockResolvedValue({ KurrentDBClient: { connectionString: () => server.client } });
  const store = kurrentdbStore({ connectionString: "kurrentdb://127.0.0.1:2113", tenant: "t" });
  await expect(store.head()).rejects.toMatchObject({ code: "STORE_UNAVAILABLE", retryable: true });
  expect(await store.head()).toBeNull();
  expect(load).toHaveBeenCalledTimes(2);
});
