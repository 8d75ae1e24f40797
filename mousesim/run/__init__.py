"""A headless training run into a folder (the engine of `mousesim run`) and its learning-curve plot."""
