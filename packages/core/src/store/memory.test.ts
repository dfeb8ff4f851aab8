import { storeConformance } from "../testing/store-conformance";
import { memoryStore } from "./memory";

storeConformance("memory", async () => {
  const store = memoryStore();
  return { store, dispose: () => store.close() };
});
