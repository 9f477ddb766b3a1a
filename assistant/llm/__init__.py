"""Language models: the engine protocol, the local llama.cpp engine and output contracts."""
