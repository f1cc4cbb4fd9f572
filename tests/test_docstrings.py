"""The examples in the public docstrings run and print what they say."""
import doctest

import pytest

import corr2d._config
import corr2d.ndimage
import corr2d.signal


@pytest.mark.parametrize("module", [corr2d.signal, corr2d._config, corr2d.ndimage])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


def test_public_functions_have_docstrings():
    for name in corr2d.__all__:
        obj = getattr(corr2d, name)
        if callable(obj):
            assert obj.__doc__ and "Examples" in obj.__doc__, name
