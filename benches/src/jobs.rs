//! 200 `#[every]` jobs for the `registry` scenario: each idle for an hour after start.
//! Generated once (a plain list is easier to read than a macro that makes one).

#[periodic::every(1h, initial_delay = 1h)]
fn job_000() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_001() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_002() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_003() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_004() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_005() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_006() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_007() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_008() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_009() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_010() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_011() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_012() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_013() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_014() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_015() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_016() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_017() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_018() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_019() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_020() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_021() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_022() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_023() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_024() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_025() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_026() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_027() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_028() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_029() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_030() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_031() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_032() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_033() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_034() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_035() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_036() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_037() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_038() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_039() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_040() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_041() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_042() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_043() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_044() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_045() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_046() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_047() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_048() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_049() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_050() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_051() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_052() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_053() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_054() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_055() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_056() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_057() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_058() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_059() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_060() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_061() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_062() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_063() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_064() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_065() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_066() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_067() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_068() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_069() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_070() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_071() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_072() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_073() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_074() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_075() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_076() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_077() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_078() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_079() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_080() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_081() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_082() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_083() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_084() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_085() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_086() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_087() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_088() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_089() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_090() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_091() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_092() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_093() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_094() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_095() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_096() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_097() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_098() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_099() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_100() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_101() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_102() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_103() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_104() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_105() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_106() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_107() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_108() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_109() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_110() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_111() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_112() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_113() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_114() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_115() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_116() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_117() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_118() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_119() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_120() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_121() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_122() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_123() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_124() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_125() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_126() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_127() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_128() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_129() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_130() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_131() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_132() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_133() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_134() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_135() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_136() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_137() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_138() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_139() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_140() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_141() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_142() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_143() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_144() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_145() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_146() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_147() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_148() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_149() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_150() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_151() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_152() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_153() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_154() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_155() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_156() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_157() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_158() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_159() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_160() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_161() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_162() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_163() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_164() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_165() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_166() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_167() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_168() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_169() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_170() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_171() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_172() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_173() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_174() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_175() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_176() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_177() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_178() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_179() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_180() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_181() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_182() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_183() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_184() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_185() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_186() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_187() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_188() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_189() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_190() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_191() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_192() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_193() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_194() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_195() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_196() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_197() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_198() {}

#[periodic::every(1h, initial_delay = 1h)]
fn job_199() {}
