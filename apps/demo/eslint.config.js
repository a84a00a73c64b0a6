import { config } from "@virtkit/eslint-config";

export default config(import.meta.dirname);
