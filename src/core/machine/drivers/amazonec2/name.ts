/** The amazonec2 driver's name, as `--driver` takes it and config.json records it. */
export const AMAZONEC2_DRIVER = "amazonec2";
