"""Helpers of the built-in skills; private: plugin authors use the `assistant` package."""
