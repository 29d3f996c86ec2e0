"""Static analysers and formatters run on the repository's C/C++ sources."""
