using System.Globalization;
using System.Text.Json.Nodes;
using MtSnn.Cli;
using MtSnn.IO;
using Xunit;

namespace MtSnn.Tests.Reliability;

/// <summary>The number format of every CSV and JSON output reads back to the same value, for every power of two (where .NET 10.0.12's "R" is one digit short).</summary>
public class RoundTripNumberTests
{
    [Fact]
    public void Every_power_of_two_and_its_neighbours_read_back_exactly()
    {
        for (int e = -1074; e <= 1023; e++)
        {
            double p = Math.ScaleB(1.0, e);
            foreach (double v in new[] { p, -p, Math.BitIncrement(p), Math.BitDecrement(p) })
                Assert.Equal(v, double.Parse(RoundTripNumber.Format(v), NumberStyles.Float, CultureInfo.InvariantCulture));
        }
        for (int e = -149; e <= 127; e++)
        {
            float p = MathF.ScaleB(1f, e);
            Assert.Equal(p, float.Parse(RoundTripNumber.Format(p), NumberStyles.Float, CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void Two_to_the_minus_25_reads_back_through_the_json_the_runs_write()
    {
        double v = Math.ScaleB(1.0, -25);
        Assert.Equal(v, double.Parse(RoundTripNumber.Format(v), CultureInfo.InvariantCulture));
        Assert.Equal(v, JsonNode.Parse(new JsonObject { ["x"] = RoundTripNumber.Json(v) }.ToJsonString())!["x"]!.GetValue<double>());
        var config = new MtSnn.Training.TrainConfig { Lr = v, Momentum = Math.ScaleB(1.0, -3) * 7 };
        var back = MtSnn.Training.TrainConfig.FromJson(JsonNode.Parse(config.ToJsonString())!.AsObject());
        Assert.Equal(v, back.Lr);
        Assert.Equal(config.Momentum, back.Momentum);
    }

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("a\u001b[31mb\u0007", "a\\x1B[31mb\\x07")]
    [InlineData("bad \uFFFD byte", "bad \\uFFFD byte")]
    [InlineData("c1 \u009b", "c1 \\x9B")]
    [InlineData("line\nbreak\r", "line\\x0Abreak\\x0D")]
    public void Error_lines_escape_unprintable_characters(string raw, string shown) => Assert.Equal(shown, PrintableText.Escape(raw));
}
