import { mapStoreConformance } from "../testing/map-store-conformance";
import { memoryMapStore } from "./memory-store";

mapStoreConformance("memory", async () => ({ store: memoryMapStore(), dispose: async () => {} }));
