import { keyStoreConformance } from "../testing/key-store-conformance";
import { memoryKeyStore } from "./memory";

keyStoreConformance("memory", async () => ({
  store: memoryKeyStore(),
  dispose: async () => undefined,
}));
