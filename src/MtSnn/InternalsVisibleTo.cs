using System.Runtime.CompilerServices;

// The tests reach internal knobs (e.g. Trainer.ReadBackInterval, DataLoaderOptions.PinFunction) that the public API does not expose.
[assembly: InternalsVisibleTo("MtSnn.Tests")]
