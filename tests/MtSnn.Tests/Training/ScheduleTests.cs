using MtSnn.Training;
using Xunit;

namespace MtSnn.Tests.Training;

public class ScheduleTests
{
    [Fact]
    public void Cosine_WithLinearWarmup()
    {
        var s = new LearningRateSchedule { Kind = ScheduleKind.Cosine, BaseLr = 0.1, TotalSteps = 10, WarmupSteps = 2 }.Validate();
        Assert.Equal(0.05, s.At(0), 12);            // 0.1 * 1/2
        Assert.Equal(0.1, s.At(1), 12);             // 0.1 * 2/2
        Assert.Equal(0.1, s.At(2), 12);             // cos(0): start of the decay
        Assert.Equal(0.05, s.At(6), 12);            // (s - W) / (S - W) = 4/8: (1 + cos(pi/2)) / 2 = 1/2
        Assert.Equal(0.1 * (1 + Math.Cos(Math.PI * 7 / 8)) / 2, s.At(9), 12);
        Assert.Equal(0.0, s.At(10), 12);            // end of the run: cos(pi)
    }

    [Fact]
    public void Cosine_WithFloor()
    {
        var s = new LearningRateSchedule { BaseLr = 1, MinLr = 0.2, TotalSteps = 4 }.Validate();
        Assert.Equal(1.0, s.At(0), 12);
        Assert.Equal(0.2 + 0.8 * 0.5, s.At(2), 12); // halfway
    }

    [Fact]
    public void Step_DecaysByGammaEveryNSteps_AfterWarmup()
    {
        var s = new LearningRateSchedule { Kind = ScheduleKind.Step, BaseLr = 1, TotalSteps = 100, WarmupSteps = 4, StepEvery = 3, Gamma = 0.5 }.Validate();
        Assert.Equal(0.25, s.At(0), 12);
        Assert.Equal(1.0, s.At(3), 12);
        Assert.Equal(1.0, s.At(6), 12);   // (6 - 4) / 3 = 0
        Assert.Equal(0.5, s.At(7), 12);   // (7 - 4) / 3 = 1
        Assert.Equal(0.25, s.At(10), 12); // 2
    }

    [Fact]
    public void Constant_IsTheBaseRate()
    {
        var s = new LearningRateSchedule { Kind = ScheduleKind.Constant, BaseLr = 0.3, TotalSteps = 5 }.Validate();
        Assert.Equal(0.3, s.At(0), 12);
        Assert.Equal(0.3, s.At(4), 12);
    }

    [Fact]
    public void Validate_RejectsBadValues()
    {
        Assert.Contains("learning rate", Assert.Throws<ArgumentException>(() => new LearningRateSchedule { BaseLr = 0 }.Validate()).Message);
        Assert.Contains("gamma", Assert.Throws<ArgumentException>(() => new LearningRateSchedule { Gamma = 1.5 }.Validate()).Message);
        Assert.Contains("allowed: cosine, step, constant", Assert.Throws<ArgumentException>(() => LearningRateSchedule.Parse("linear")).Message);
    }
}
