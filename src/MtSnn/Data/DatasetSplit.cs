namespace MtSnn.Data;

/// <summary>Which part of a data set to open.</summary>
public enum DatasetSplit
{
    /// <summary>The training part.</summary>
    Train,
    /// <summary>The held-out test (or validation) part.</summary>
    Test,
}
