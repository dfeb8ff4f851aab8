import { treeStoreConformance } from "../testing/tree-store-conformance";
import { memoryTreeStore } from "./memory-tree-store";

treeStoreConformance("memory", async () => ({
  store: memoryTreeStore(),
  dispose: async () => undefined,
}));
