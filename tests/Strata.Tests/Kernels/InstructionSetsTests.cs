using System.Runtime.Intrinsics.X86;
using Strata.Kernels;
using Xunit;

namespace Strata.Tests.Kernels;

public class InstructionSetsTests
{
    [Fact]
    public void ScalarAndPortableRunEverywhereAndTheDefaultIsTheWidest()
    {
        Assert.Equal(InstructionSet.Scalar, InstructionSets.Supported[0]);
        Assert.Equal(InstructionSet.Portable, InstructionSets.Supported[1]);
        Assert.Equal(Avx2.IsSupported && Fma.IsSupported, InstructionSets.Supported.Contains(InstructionSet.Avx2));
        Assert.Equal(Avx512F.IsSupported, InstructionSets.Supported.Contains(InstructionSet.Avx512));
        Assert.Equal(InstructionSets.Supported[^1], InstructionSets.Resolve(null));
        Assert.Equal(InstructionSets.Supported[^1], InstructionSets.Resolve(" "));
    }

    [Theory]
    [InlineData("scalar", "Scalar")]
    [InlineData("portable", "Portable")]
    [InlineData(" Portable ", "Portable")]
    public void ResolvesTheNamesStrataIsaTakes(string value, string expected) =>
        Assert.Equal(expected, InstructionSets.Resolve(value).ToString());

    [Fact]
    public void AnUnknownNameIsAnErrorNamingItAndTheSupportedOnes()
    {
        var error = Assert.Throws<StrataException>(() => InstructionSets.Resolve("sse9"));
        Assert.Contains("STRATA_ISA=sse9 is not an instruction set", error.Message);
        Assert.Contains("scalar, portable", error.Message);
    }

    [Fact]
    public void APathTheMachineCannotRunIsAnError()
    {
        var missing = Enum.GetValues<InstructionSet>().Where(s => !InstructionSets.IsSupported(s)).ToArray();
        foreach (var set in missing)
        {
            var error = Assert.Throws<StrataException>(() => InstructionSets.Resolve(InstructionSets.Name(set)));
            Assert.Contains("cannot run", error.Message);
            Assert.Throws<ArgumentException>(() => InstructionSets.Use(set));
        }
    }

    [Fact]
    public void AScopeOverridesThisThreadOnlyAndRestoresTheOuterPath()
    {
        var before = InstructionSets.Current;
        using (InstructionSets.Use(InstructionSet.Scalar))
        {
            Assert.Equal(InstructionSet.Scalar, InstructionSets.Current);
            using (InstructionSets.Use(InstructionSet.Portable))
                Assert.Equal(InstructionSet.Portable, InstructionSets.Current);
            Assert.Equal(InstructionSet.Scalar, InstructionSets.Current);
            var other = InstructionSet.Scalar;
            var thread = new Thread(() => other = InstructionSets.Current);
            thread.Start();
            thread.Join();
            Assert.Equal(InstructionSets.Default, other);
        }
        Assert.Equal(before, InstructionSets.Current);
    }
}
