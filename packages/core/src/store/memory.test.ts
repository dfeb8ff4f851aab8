import { storeConformance } from "../testing/store-conformance";
import { typeIndexConformance } from "../testing/type-index-conformance";
import { memoryStore } from "./memory";

const memory = async () => {
  const store = memoryStore();
  return { store, dispose: () => store.close() };
};
storeConformance("memory", memory);
typeIndexConformance("memory", memory);
