"""A headless training run into a folder: the engine of `mousesim run`."""
