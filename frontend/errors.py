"""The errors numjac raises on purpose."""


class ConcretizationError(TypeError):
    """A traced value was used where a concrete Python value is needed."""


class UnsupportedOperationError(NotImplementedError):
    """A NumPy function or argument combination numjac cannot trace."""


def unsupported(name: str, detail: str = "") -> UnsupportedOperationError:
    message = f"{name} is not supported by numjac"
    if detail:
        message += f": {detail}"
    return UnsupportedOperationError(message)
