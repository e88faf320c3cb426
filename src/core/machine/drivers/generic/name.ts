/** The generic driver's name, as `--driver` takes it and config.json records it. */
export const GENERIC_DRIVER = "generic";
